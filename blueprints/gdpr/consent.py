"""Routes of the newsletter consent: subscribe (confirmed by e-mail) and unsubscribe from the
client's privacy page; confirm and unsubscribe from a mail's link, without logging in.

The links of mails show a page with a button: a link opened by a mail scanner changes nothing.
The unsubscribe POST also takes the mail client's one-click request (RFC 8058), which carries
no CSRF token: the signed token in the URL is what protects it.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from models import db
from services.consent import (
    CONFIRM_PURPOSE,
    UNSUBSCRIBE_PURPOSE,
    client_of_token,
    confirmation_max_age,
    give_newsletter_consent,
    send_newsletter_confirmation,
    unsubscribe_max_age,
    withdraw_newsletter_consent,
)
from services.i18n import gettext as _
from services.tokens import TokenExpired, TokenInvalid
from web.access import client_required
from web.extensions import csrf
from web.forms import EmptyForm, require_one_button_form
from web.htmx import htmx_redirect

PRIVACY_ANCHOR = "#lettre"


@bp.post("/account/privacy/newsletter/subscribe")
@client_required
def subscribe_newsletter():
    """Ask for the newsletter: a mail with the confirmation link (double opt-in)."""
    require_one_button_form()
    client = current_user.client
    if client.newsletter_consent:
        flash(_("Vous êtes déjà inscrit à la lettre d'information."), "info")
    else:
        send_newsletter_confirmation(client)
        db.session.commit()
        flash(
            _(
                "Un e-mail vient de vous être envoyé : ouvrez son lien pour confirmer l'inscription."
            ),
            "success",
        )
    return htmx_redirect(url_for("gdpr.account_privacy") + PRIVACY_ANCHOR)


@bp.post("/account/privacy/newsletter/unsubscribe")
@client_required
def unsubscribe_newsletter_account():
    """Withdraw the newsletter consent in one click."""
    require_one_button_form()
    if withdraw_newsletter_consent(current_user.client, "account"):
        db.session.commit()
    flash(_("Vous ne recevrez plus la lettre d'information."), "success")
    return htmx_redirect(url_for("gdpr.account_privacy") + PRIVACY_ANCHOR)


def _client_of(purpose: str, token: str, max_age):
    try:
        client = client_of_token(purpose, token, max_age)
    except TokenExpired:
        return None, True
    except TokenInvalid:
        abort(404)
    if client is None:
        abort(404)
    return client, False


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def confirm_newsletter(token: str):
    """The link of the confirmation mail: a button that confirms the subscription."""
    client, expired = _client_of(CONFIRM_PURPOSE, token, confirmation_max_age())
    if expired:
        return render_template("gdpr/newsletter_link_expired.html"), 410
    form = EmptyForm()
    if form.validate_on_submit():
        if not client.newsletter_consent:
            give_newsletter_consent(client, "mail_link")
            db.session.commit()
        return render_template("gdpr/newsletter_done.html", subscribed=True)
    return render_template("gdpr/newsletter_confirm.html", form=form, subscribed=True)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe_newsletter(token: str):
    """A newsletter's unsubscribe link: a button, or the mail client's one-click POST."""
    client, expired = _client_of(UNSUBSCRIBE_PURPOSE, token, unsubscribe_max_age())
    if expired:
        return render_template("gdpr/newsletter_link_expired.html"), 410
    if request.method == "POST":
        if withdraw_newsletter_consent(client, "mail_link"):
            db.session.commit()
        return render_template("gdpr/newsletter_done.html", subscribed=False)
    return render_template("gdpr/newsletter_confirm.html", form=EmptyForm(), subscribed=False)
