"""The client's one-click objection to birthday wishes (and its withdrawal), on their privacy
page. Sending them is :mod:`services.birthdays`."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from models import db, utcnow
from services.activity import log_activity
from services.i18n import gettext as _
from web.access import client_required
from web.forms import require_one_button_form
from web.htmx import htmx_redirect


@bp.post("/account/privacy/birthday-wishes/stop")
@client_required
def stop_birthday_wishes():
    """The client objects to birthday wishes: none is sent any more."""
    require_one_button_form()
    client = current_user.client
    if client.birthday_objected_at is None:
        client.birthday_objected_at = utcnow()
        log_activity("gdpr.birthday_objection", target=client)
        db.session.commit()
    flash(_("C'est noté : nous ne vous souhaiterons plus votre anniversaire."), "success")
    return htmx_redirect(url_for("gdpr.account_privacy") + "#anniversaire")


@bp.post("/account/privacy/birthday-wishes/resume")
@client_required
def resume_birthday_wishes():
    """The client withdraws their objection: birthday wishes again."""
    require_one_button_form()
    client = current_user.client
    if client.birthday_objected_at is not None:
        client.birthday_objected_at = None
        log_activity("gdpr.birthday_objection_withdrawn", target=client)
        db.session.commit()
    flash(_("C'est noté : nous vous souhaiterons de nouveau votre anniversaire."), "success")
    return htmx_redirect(url_for("gdpr.account_privacy") + "#anniversaire")
