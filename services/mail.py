"""The mail outbox: :func:`send_mail` writes a row in the current transaction; delivery follows.

Mails are delivered by ``flask --app app mail send`` (for cron) and right after the commit that
wrote them. SMTP is used only over TLS (implicit TLS or STARTTLS with the certificate verified).
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from models import db
from models.mail import OutboxMail


def send_mail(to: str, template: str, subject: str, locale: str | None = None, **context):
    """Queue the mail ``template`` (``templates/mail/<template>.txt`` and ``.html``) to ``to``.

    The row joins the current transaction: the mail exists only if the act that causes it
    is committed.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        context.setdefault("company_name", current_app.config["COMPANY_NAME"])
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    mail = OutboxMail(
        recipient=to, subject=subject, body_text=text, body_html=html, template=template
    )
    db.session.add(mail)
    return mail
