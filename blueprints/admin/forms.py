"""Forms of the administration: a client created on their behalf, a new admin."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from blueprints.auth.rules import canonical_email, email_problem
from models import db
from models.client import CATEGORY_INDIVIDUAL
from models.user import User
from services import accounts
from services.forms import CleanForm
from services.profile import FIELD_LABELS
from services.profile_forms import category_choices


class NewClientForm(CleanForm):
    category = SelectField(
        FIELD_LABELS["category"], choices=category_choices, default="particulier"
    )
    email = EmailField(
        _l("Adresse e-mail"),
        [
            DataRequired(_l("Saisissez l'adresse e-mail du client.")),
            Email(_l("Cette adresse e-mail n'est pas valide.")),
            Length(max=254),
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
        exists = db.session.scalar(
            sa.select(User.id).where(User.email_canonical == canonical_email(field.data))
        )
        if exists:
            raise ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))

    def validate_company_name(self, field):
        if self.category.data != CATEGORY_INDIVIDUAL and not (field.data or "").strip():
            raise ValidationError(_("La raison sociale est obligatoire pour cette catégorie."))


class NewAdminForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail du nouvel administrateur"),
        validators=[DataRequired(_l("Saisissez une adresse e-mail.")), Length(max=254)],
    )

    def validate_email(self, field):
        problem = email_problem(field.data)
        if problem:
            raise ValidationError(problem)
        if accounts.find_account(field.data) is not None:
            raise ValidationError(_l("Un compte existe déjà pour cette adresse."))
