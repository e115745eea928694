"""Accepting an invitation: a client whose account an admin created sets a password."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from blueprints.account import bp
from blueprints.auth.rules import PASSWORD_MAX_LENGTH, password_problems
from blueprints.auth.sessions import open_session
from models import db
from services.forms import AppForm
from services.htmx import htmx_redirect, is_fragment_request
from services.invitations import accept_invitation as accept
from services.invitations import user_from_invitation


class SetPasswordForm(AppForm):
    password = PasswordField(
        _l("Choisissez un mot de passe"),
        [DataRequired(_l("Choisissez un mot de passe.")), Length(max=PASSWORD_MAX_LENGTH * 4)],
    )
    confirm = PasswordField(
        _l("Saisissez-le une seconde fois"), [DataRequired(_l("Confirmez le mot de passe."))]
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field):
        problems = password_problems(field.data or "", self._email)
        if problems:
            raise ValidationError(
                _("Il manque à ce mot de passe : %(list)s.", list=", ".join(map(str, problems)))
            )

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError(_("Les deux saisies ne sont pas identiques."))


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
    status = 200
    if form.validate_on_submit():
        accept(user, form.password.data)
        open_session(user)
        db.session.commit()
        flash(_("Bienvenue ! Votre mot de passe est enregistré."), "success")
        return htmx_redirect(url_for("account.dashboard"))
    if request.method == "POST":
        status = 422
    form.password.data = form.confirm.data = None  # never sent back
    template = (
        "account/_invitation_form.html" if is_fragment_request() else "account/invitation.html"
    )
    return render_template(template, form=form, user=user, token=token), status
