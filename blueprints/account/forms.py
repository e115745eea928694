"""Forms of the client space: the password chosen when accepting an invitation."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from services.account_rules import PASSWORD_MAX_LENGTH, password_problems
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from web.forms import AppForm


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
