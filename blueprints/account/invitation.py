"""Accepting an invitation: a client whose account an admin created sets a password."""

from __future__ import annotations

from flask import flash, render_template, url_for

from blueprints.account import bp
from blueprints.account.forms import SetPasswordForm
from models import db
from services.i18n import gettext as _
from services.invitations import accept_invitation as accept
from services.invitations import user_from_invitation
from web.forms import render_form
from web.htmx import htmx_redirect, is_fragment_request
from web.sessions import open_session


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Open an invitation link: choose a password, then enter the client space.

    Public: the signed token is the access rule. A dead link (expired, altered or already
    used) answers 404 with a page that says what to do.
    """
    user = user_from_invitation(token)
    if user is None:
        return render_template("account/invitation_invalid.html"), 404
    form = SetPasswordForm(email=user.email)
    if form.validate_on_submit():
        accept(user, form.password.data)
        open_session(user)
        db.session.commit()
        flash(_("Bienvenue ! Votre mot de passe est enregistré."), "success")
        return htmx_redirect(url_for("account.dashboard"))
    form.password.data = form.confirm.data = None  # never sent back
    template = (
        "account/_invitation_form.html" if is_fragment_request() else "account/invitation.html"
    )
    return render_form(template, form, user=user, token=token)
