"""Forms of the accounts area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=1024)],
    )
    next = HiddenField()
