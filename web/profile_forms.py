"""The forms of the profile sections, one per section, and the one to edit a section.

Request plumbing shared by the client space and the administration (their views call
:func:`web.profile_editor.section_editor`); the sections and their rules are in
:mod:`services.profile`, which knows nothing of forms.
"""

from __future__ import annotations

from datetime import date

from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models.client import Client
from services import client_fields
from services.client_fields import FieldError
from services.i18n import lazy_gettext as _l
from services.profile import CATEGORY_LABELS, FIELD_LABELS, Section
from web.forms import CleanForm


def category_choices() -> list[SelectChoice]:
    """The three categories of clients the policy names."""
    return [SelectChoice(value, label) for value, label in CATEGORY_LABELS.items()]


def _required():
    return DataRequired(_l("Ce champ est obligatoire."))


class SectionForm(CleanForm):
    """A section's form: ``values()`` gives what to store, normalised by the field rules."""

    identity = True  # every section is the client's identity: names, addresses, company

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean: dict = {}

    def _normalize(self, field, rule, *args) -> None:
        if not field.data or not str(field.data).strip():
            return
        try:
            self.clean[field.name] = rule(str(field.data), *args)
        except FieldError as error:
            raise ValidationError(str(error)) from error

    def values(self) -> dict:
        """The section's values to store: normalised, trimmed, empty as None."""
        result = {}
        for field in self:
            if field.name == "csrf_token":
                continue
            value = self.clean.get(field.name, field.data)
            if isinstance(value, str):
                value = value.strip() or None
            result[field.name] = value
        return result


class IdentityForm(SectionForm):
    category = SelectField(
        FIELD_LABELS["category"], choices=category_choices, default="particulier"
    )
    last_name = StringField(FIELD_LABELS["last_name"], [_required(), Length(max=100)])
    first_name = StringField(FIELD_LABELS["first_name"], [_required(), Length(max=100)])
    birth_date = DateField(
        FIELD_LABELS["birth_date"],
        [Optional()],
        render_kw={"min": "1900-01-01"},
        invalid_value_message=_l("Saisissez une date valide (jj/mm/aaaa)."),
    )

    def validate_birth_date(self, field):
        if field.data and not (date(1900, 1, 1) <= field.data <= date.today()):
            raise ValidationError(_l("Cette date de naissance n'est pas plausible."))


class ContactForm(SectionForm):
    address_line1 = StringField(FIELD_LABELS["address_line1"], [_required(), Length(max=200)])
    address_line2 = StringField(FIELD_LABELS["address_line2"], [Length(max=200)])
    postcode = StringField(FIELD_LABELS["postcode"], [_required(), Length(max=16)])
    city = StringField(FIELD_LABELS["city"], [_required(), Length(max=100)])
    country = SelectField(FIELD_LABELS["country"], default=client_fields.DEFAULT_COUNTRY)
    phone = StringField(FIELD_LABELS["phone"], [_required(), Length(max=32)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice(c, n) for c, n in client_fields.country_choices()]

    def validate_postcode(self, field):
        self._normalize(field, client_fields.normalize_postcode, self.country.data)

    def validate_phone(self, field):
        self._normalize(field, client_fields.normalize_phone)


class CompanyForm(SectionForm):
    company_name = StringField(FIELD_LABELS["company_name"], [_required(), Length(max=200)])
    trade_name = StringField(FIELD_LABELS["trade_name"], [Length(max=200)])
    head_office = StringField(FIELD_LABELS["head_office"], [Length(max=200)])
    head_office_address = TextAreaField(
        FIELD_LABELS["head_office_address"], [_required(), Length(max=300)]
    )
    siret = StringField(FIELD_LABELS["siret"], [Length(max=40)])
    vat_number = StringField(FIELD_LABELS["vat_number"], [Length(max=40)])
    rna_number = StringField(FIELD_LABELS["rna_number"], [Length(max=20)])

    def validate_siret(self, field):
        self._normalize(field, client_fields.normalize_siren_or_siret)

    def validate_vat_number(self, field):
        self._normalize(field, client_fields.normalize_vat_number)

    def validate_rna_number(self, field):
        self._normalize(field, client_fields.normalize_rna)


SECTION_FORMS: dict[str, type[SectionForm]] = {
    "identity": IdentityForm,
    "contact": ContactForm,
    "company": CompanyForm,
}


def section_form(section: Section, client: Client, formdata=None) -> SectionForm:
    """The edit form of ``section``: from the request (``formdata``) or the stored values.

    Only the fields the section has for this client are kept (the RNA number is for
    associations).
    """
    form_class = SECTION_FORMS[section.name]
    if formdata is not None:
        form = form_class(formdata=formdata)
    else:
        form = form_class(formdata=None, obj=client)
        if "phone" in form:
            form.phone.data = client_fields.format_phone(client.phone)
    for name in [f.name for f in form]:
        if name in section.fields and name not in section.fields_for(client):
            del form[name]
    return form
