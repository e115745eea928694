"""The mail outbox: :func:`send_mail` writes a row in the current transaction; delivery follows.

A mail exists only if the act that causes it is committed: call ``send_mail(...)`` before your
``db.session.commit()``. It is delivered by ``flask --app app mail send`` (cron) and, when
``MAIL_SEND_AFTER_COMMIT`` is true, right after the response of the request that committed it
(see :mod:`web.mail_after_response`); delivery itself is in :mod:`services.mail_delivery` (SMTP only over TLS).

Adding a mail of your area
--------------------------
1. Write ``templates/mail/<name>.txt`` and ``templates/mail/<name>.html``, in French, every
   sentence wrapped in ``_()``, on the shared layout::

       {% extends "mail/_layout.html" %}          {# .txt: extends "mail/_layout.txt" #}
       {% block content %}
         <p>{{ _("Bonjour %(name)s,", name=first_name) }}</p>
         <p><a href="{{ mail_url('tickets.show', ticket_id=ticket.id) }}">...</a></p>
       {% endblock %}

   The layout adds the company name, the "ne répondez pas" notice and a footer linking the
   privacy page. In the ``.txt``, ``{% autoescape false %}`` is not needed: only ``.html`` is
   escaped. Pass plain values in the context (not ORM objects you will use after the commit).
2. Call ``send_mail(user.email, "<name>", _l("Sujet"), locale=user.locale, first_name=...)``.
   Pass the subject as a lazy string (``lazy_gettext``): it is translated in ``locale``, like the
   templates. Links in mails come from ``mail_url(endpoint, **values)`` (absolute, built on
   ``MAIL_BASE_URL`` when set, never on the request's Host header then).
3. In tests, read what was queued with ``tests.fixtures.mail.outbox_for(app, email)`` (which
   decrypts the bodies) or, after delivery with the file backend, ``eml_for(app, email)``.

The bodies are stored encrypted with the field keys while the mail waits (read them with
:func:`services.mail_delivery.mail_bodies`), and blanked once it is sent or has failed for good.

Every template receives ``company_name``, ``company_email``, ``company_address``,
``portal_url``, ``privacy_url`` and ``mail_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    before_render_template,
    current_app,
    has_request_context,
    template_rendered,
    url_for,
)

from models import db
from models.mail import BODY_MAX, OutboxMail
from services.crypto import encrypt
from services.i18n import force_locale
from services.mail_delivery import MailConfigError, new_message_id

# In development and tests, links in mails written outside a request point here.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def mail_url(endpoint: str, **values) -> str:
    """Absolute URL of ``endpoint`` for a mail.

    ``MAIL_BASE_URL`` wins when set (the request's Host header is chosen by the visitor, and
    a forged one must not end up in a password-reset link); then the current request; then
    ``SERVER_NAME``; in development and tests, ``http://127.0.0.1:5000``.
    """
    config = current_app.config
    base = config.get("MAIL_BASE_URL")
    if not base:
        if has_request_context() or config.get("SERVER_NAME"):
            return url_for(endpoint, _external=True, **values)
        if not (current_app.debug or current_app.testing):
            raise MailConfigError("MAIL_BASE_URL est nécessaire pour écrire des liens hors requête")
        base = DEVELOPMENT_BASE_URL
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _layout_context(config) -> dict:
    return {
        "company_name": config["COMPANY_NAME"],
        "company_email": config["COMPANY_EMAIL"],
        "company_address": config["COMPANY_ADDRESS"],
        "portal_url": mail_url("public.home"),
        "privacy_url": mail_url("public.privacy"),
        "mail_url": mail_url,
    }


def render_mail_body(name: str, context: dict) -> str:
    """The template ``name`` rendered with the app's Jinja environment and context processors.

    Not ``render_template``: a mail is written by a request, a cron job or a command alike, and
    nothing in it may depend on the request being served.
    """
    app = current_app._get_current_object()
    context = dict(context)
    app.update_template_context(context)
    template = app.jinja_env.get_template(name)
    # The signals Flask's own rendering sends: tests and extensions listening to them see mails.
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    body = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return body


def send_mail(
    to: str,
    template: str,
    subject: str,
    locale: str | None = None,
    list_unsubscribe: str | None = None,
    **context,
):
    """Queue the mail ``template`` (``templates/mail/<template>.txt`` and ``.html``) to ``to``.

    The row joins the current transaction: the mail exists only if the act that causes it
    is committed. ``subject`` may be a lazy string; it is translated in ``locale``. An optional
    mail to a client whose processing is restricted is not queued: None is returned.
    ``list_unsubscribe``: the one-click unsubscribe URL of a newsletter, sent as its headers.
    """
    if any(char in f"{to}{subject}" for char in "\r\n"):
        raise ValueError("a mail header cannot hold a line break")
    from services.restriction import mail_stopped  # it reads clients; they import this module

    if mail_stopped(to, template):
        return None
    config = current_app.config
    with force_locale(locale or config["BABEL_DEFAULT_LOCALE"]):
        for key, value in _layout_context(config).items():
            context.setdefault(key, value)
        text = render_mail_body(f"mail/{template}.txt", context)
        html = render_mail_body(f"mail/{template}.html", context)
        subject = str(subject)
    if max(len(text), len(html)) > BODY_MAX:
        raise ValueError(f"the body of mail {template!r} exceeds {BODY_MAX} characters")
    # The bodies carry live links: never written in clear, not even for a moment.
    mail = OutboxMail(
        recipient=to,
        subject=subject,
        body_text_encrypted=encrypt(text),
        body_html_encrypted=encrypt(html),
        template=template,
        message_id=new_message_id(config),
        list_unsubscribe=list_unsubscribe,
    )
    db.session.add(mail)
    return mail
