"""Forms of the administration: a new client, a new admin, account actions, activity filters."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from models import MAX_ID
from models.client import CATEGORY_INDIVIDUAL
from services import accounts
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.profile import FIELD_LABELS
from web.forms import AppForm, CleanForm, ValidEmail
from web.profile_forms import category_choices


class NewClientForm(CleanForm):
    identity = True
    category = SelectField(
        FIELD_LABELS["category"], choices=category_choices, default="particulier"
    )
    email = EmailField(
        _l("Adresse e-mail"),
        [
            DataRequired(_l("Saisissez l'adresse e-mail du client.")),
            Length(max=254),
            ValidEmail(),
        ],
    )
    last_name = StringField(
        FIELD_LABELS["last_name"], [DataRequired(_l("Ce champ est obligatoire.")), Length(max=100)]
    )
    first_name = StringField(
        FIELD_LABELS["first_name"],
        [DataRequired(_l("Ce champ est obligatoire.")), Length(max=100)],
    )
    company_name = StringField(FIELD_LABELS["company_name"], [Length(max=200)])

    def validate_email(self, field):
        if accounts.find_account(field.data) is not None:
            raise ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))

    def validate_company_name(self, field):
        if self.category.data != CATEGORY_INDIVIDUAL and not (field.data or "").strip():
            raise ValidationError(_("La raison sociale est obligatoire pour cette catégorie."))


class NewAdminForm(AppForm):
    email = EmailField(
        _l("Adresse e-mail du nouvel administrateur"),
        validators=[
            DataRequired(_l("Saisissez une adresse e-mail.")),
            Length(max=254),
            ValidEmail(),
        ],
    )

    def validate_email(self, field):
        if accounts.find_account(field.data) is not None:
            raise ValidationError(_l("Un compte existe déjà pour cette adresse."))


# Dates outside these bounds cannot be turned into Paris midnights (year 1, year 9999).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def _plausible_day(form, field):
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Saisissez une date entre 1970 et 9998."))


class ActivityFilterForm(AppForm):
    """The filters of the viewer, read from the query string."""

    class Meta:
        csrf = False  # a GET search changes nothing

    person = StringField(_l("Personne (e-mail ou n°)"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    target_type = SelectField(_l("Type de cible"), choices=[], validate_choice=False)
    target_id = IntegerField(
        _l("N° de cible"),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message=_l("Un numéro positif."))],
    )
    date_from = DateField(_l("Du"), validators=[Optional(), _plausible_day])
    date_to = DateField(_l("Au"), validators=[Optional(), _plausible_day])
    before = IntegerField(
        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message=_l("Un numéro positif."))]
    )
