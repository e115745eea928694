"""Forms of the second factor (TOTP)."""

from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from services.i18n import lazy_gettext as _l
from web.forms import AppForm


class CodeForm(AppForm):
    """A TOTP code (or, at login, a recovery code)."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Saisissez le code.")), Length(max=32)],
    )


class ConfirmPasswordForm(AppForm):
    """The password again, before a sensitive change."""

    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=1024)],
    )
    next = HiddenField()


class ReplaceKeyForm(CodeForm):
    """A new key over an enrolled one: a code of the new key, and a proof of the current one."""

    code = StringField(
        _l("Code de la nouvelle clé"),
        validators=[DataRequired(_l("Saisissez le code.")), Length(max=32)],
    )

    current_code = StringField(
        _l("Code de votre application actuelle, ou code de secours"),
        validators=[
            DataRequired(
                _l("Saisissez un code de votre application actuelle ou un code de secours.")
            ),
            Length(max=32),
        ],
    )
