"""Forms of the accounts area."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, EqualTo, InputRequired, Length, ValidationError

from models.client import CATEGORIES
from services.account_rules import password_problems
from services.consent import NEWSLETTER_WORDING
from services.i18n import lazy_gettext as _l
from web.forms import AppForm, ValidEmail

CATEGORY_LABELS = {
    "particulier": _l("Particulier"),
    "professionnel": _l("Professionnel"),
    "association": _l("Association"),
}
# Long enough to reach the rule's own "at most 128 characters" message.
PASSWORD_FIELD_MAX = 1024


class PolicyPassword:
    """The policy's password rule (``password_problems``), with the form's or account's e-mail."""

    def __call__(self, form, field):
        email = form.email.data if "email" in form else getattr(form, "account_email", None)
        problems = password_problems(field.data or "", email)
        if problems:
            raise ValidationError(
                _l("Le mot de passe doit encore comporter : %(missing)s.", missing=_join(problems))
            )


def _join(problems) -> str:
    return ", ".join(str(p) for p in problems)


def _new_password_fields():
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            InputRequired(_l("Choisissez un mot de passe.")),
            Length(max=PASSWORD_FIELD_MAX, message=_l("Le mot de passe est trop long.")),
            PolicyPassword(),
        ],
    )
    confirm = PasswordField(
        _l("Confirmation du mot de passe"),
        validators=[
            InputRequired(_l("Saisissez à nouveau le mot de passe.")),
            EqualTo("password", _l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
    return password, confirm


class LoginForm(AppForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=1024)],
    )
    next = HiddenField()


class RegistrationForm(AppForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(_l("Saisissez votre adresse e-mail.")),
            Length(max=254, message=_l("L'adresse e-mail est trop longue.")),
            ValidEmail(),
        ],
    )
    password, password_confirm = _new_password_fields()
    category = RadioField(
        _l("Vous êtes"),
        choices=[SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
        default="particulier",
        validate_choice=False,  # AnyOf below says it in French
        validators=[
            InputRequired(_l("Choisissez une catégorie.")),
            AnyOf(CATEGORIES, message=_l("Choisissez une catégorie de la liste.")),
        ],
    )
    accept_privacy = BooleanField(
        _l("J'ai lu la politique de confidentialité et j'accepte le traitement de mes données."),
        validators=[DataRequired(_l("Vous devez accepter la politique de confidentialité."))],
    )
    newsletter = BooleanField(NEWSLETTER_WORDING)  # unchecked: opt-in


class EmailForm(AppForm):
    """One address: resend the verification link, ask for a reset link."""

    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=254)],
    )


class ResetPasswordForm(AppForm):
    password, password_confirm = _new_password_fields()

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=1024)],
    )
    password, password_confirm = _new_password_fields()

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangeEmailForm(AppForm):
    new_email = EmailField(
        _l("Nouvelle adresse e-mail"),
        validators=[
            DataRequired(_l("Saisissez la nouvelle adresse e-mail.")),
            Length(max=254, message=_l("L'adresse e-mail est trop longue.")),
            ValidEmail(),
        ],
    )
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=1024)],
    )
