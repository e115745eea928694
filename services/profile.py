"""The client's profile, section by section: forms, rules of what is required, history.

Both the client space and the administration show these sections; the rules live here so that
neither blueprint imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from models import db
from models.activity import ActivityLog
from models.client import (
    CATEGORY_ASSOCIATION,
    CATEGORY_INDIVIDUAL,
    CATEGORY_PROFESSIONAL,
    Client,
)
from models.user import ROLE_ADMIN
from services import client_fields
from services.activity import log_activity
from services.client_fields import FieldError
from services.forms import CleanForm

PROFILE_UPDATED = "profile.updated"
HISTORY_PAGE_SIZE = 10

CATEGORY_LABELS = {
    CATEGORY_INDIVIDUAL: _l("Particulier"),
    CATEGORY_PROFESSIONAL: _l("Professionnel"),
    CATEGORY_ASSOCIATION: _l("Association"),
}

FIELD_LABELS = {
    # Read by the client and by the admins on the client's file: it names the client, not "you".
    "category": _l("Catégorie de client"),
    "last_name": _l("Nom"),
    "first_name": _l("Prénom"),
    "birth_date": _l("Date de naissance"),
    "address_line1": _l("Adresse"),
    "address_line2": _l("Complément d'adresse"),
    "postcode": _l("Code postal"),
    "city": _l("Ville"),
    "country": _l("Pays"),
    "phone": _l("Téléphone"),
    "company_name": _l("Raison sociale"),
    "trade_name": _l("Nom commercial"),
    "head_office": _l("Siège social"),
    "head_office_address": _l("Adresse postale du siège"),
    "siret": _l("SIREN ou SIRET"),
    "vat_number": _l("Numéro de TVA intracommunautaire"),
    "rna_number": _l("Numéro RNA"),
}


def category_choices() -> list[SelectChoice]:
    """The three categories of clients the policy names."""
    return [SelectChoice(value, label) for value, label in CATEGORY_LABELS.items()]


BIRTH_DATE_NOTE = _l(
    "Facultative. Notre politique de confidentialité la conserve uniquement pour vous souhaiter "
    "votre anniversaire."
)


FIELD_HELP = {
    "birth_date": BIRTH_DATE_NOTE,
    "phone": _l("Numéro français, ou étranger avec son indicatif (ex. +44 20 7946 0958)."),
    "postcode": _l("Cinq chiffres pour la France."),
    "siret": _l("9 chiffres (SIREN) ou 14 chiffres (SIRET), espaces permis."),
    "vat_number": _l("Facultatif (ex. FR40 303 265 045)."),
    "rna_number": _l("W suivi de neuf chiffres, sur le récépissé de la préfecture."),
}
FIELD_AUTOCOMPLETE = {
    "last_name": "family-name",
    "first_name": "given-name",
    "birth_date": "bday",
    "address_line1": "address-line1",
    "address_line2": "address-line2",
    "postcode": "postal-code",
    "city": "address-level2",
    "country": "country",
    "phone": "tel",
    "company_name": "organization",
}
FIELD_TYPE = {"phone": "tel"}


def _required():
    return DataRequired(_l("Ce champ est obligatoire."))


class SectionForm(CleanForm):
    """A section's form: ``values()`` gives what to store, normalised by the field rules."""

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


@dataclass(frozen=True)
class Section:
    name: str
    title: object
    form_class: type[SectionForm]
    fields: tuple[str, ...]
    required: tuple[str, ...]

    def applies_to(self, client: Client) -> bool:
        """The company section exists only for professionals and associations."""
        return self.name != "company" or client.is_business

    def fields_for(self, client: Client) -> tuple[str, ...]:
        """The section's fields for this client (the RNA number is for associations)."""
        if client.category != CATEGORY_ASSOCIATION:
            return tuple(f for f in self.fields if f != "rna_number")
        return self.fields

    def missing(self, client: Client) -> list[str]:
        """Required fields of this section still empty for ``client``."""
        if not self.applies_to(client):
            return []
        return [f for f in self.required if not getattr(client, f)]

    def form(self, client: Client, formdata=None) -> SectionForm:
        """The edit form, filled from the request (``formdata``) or from the stored values."""
        if formdata is not None:
            form = self.form_class(formdata=formdata)
        else:
            form = self.form_class(formdata=None, obj=client)
            if "phone" in form:
                form.phone.data = client_fields.format_phone(client.phone)
        for name in [f.name for f in form]:
            if name in self.fields and name not in self.fields_for(client):
                del form[name]
        return form

    def help(self, field: str):
        """The help text shown under ``field``, if any."""
        return FIELD_HELP.get(field)

    def autocomplete(self, field: str) -> str | None:
        return FIELD_AUTOCOMPLETE.get(field)

    def input_type(self, field: str) -> str | None:
        return FIELD_TYPE.get(field)

    def rows(self, client: Client) -> list[tuple[object, str]]:
        """(label, value as shown) for each field of the section."""
        return [(FIELD_LABELS[f], display_value(client, f)) for f in self.fields_for(client)]


SECTIONS = {
    "identity": Section(
        "identity",
        _l("Identité"),
        IdentityForm,
        ("category", "last_name", "first_name", "birth_date"),
        ("last_name", "first_name"),
    ),
    "contact": Section(
        "contact",
        _l("Coordonnées"),
        ContactForm,
        ("address_line1", "address_line2", "postcode", "city", "country", "phone"),
        ("address_line1", "postcode", "city", "country", "phone"),
    ),
    "company": Section(
        "company",
        _l("Entreprise ou association"),
        CompanyForm,
        (
            "company_name",
            "trade_name",
            "head_office",
            "head_office_address",
            "siret",
            "vat_number",
            "rna_number",
        ),
        ("company_name", "head_office_address"),
    ),
}


def display_value(client: Client, field: str) -> str:
    """A stored value as a person reads it (phone, country and dates formatted)."""
    from services.i18n import format_when

    value = getattr(client, field)
    if value is None or value == "":
        return ""
    if field == "phone":
        return client_fields.format_phone(value)
    if field == "country":
        return client_fields.country_name(value)
    if field == "category":
        return str(CATEGORY_LABELS.get(value, value))
    if field == "birth_date":
        return format_when(value, "birth")
    return str(value)


def sections_for(client: Client) -> list[Section]:
    """The sections of this client's profile, in order."""
    return [s for s in SECTIONS.values() if s.applies_to(client)]


def section_or_404(name: str, client: Client) -> Section:
    """The section ``name`` if it exists for ``client``; a 404 otherwise."""
    from flask import abort

    section = SECTIONS.get(name)
    if section is None or not section.applies_to(client):
        abort(404)
    return section


def missing_by_section(client: Client) -> list[tuple[Section, list[str]]]:
    """The sections with required data still missing, with the labels of the missing fields."""
    result = []
    for section in sections_for(client):
        missing = section.missing(client)
        if missing:
            result.append((section, [FIELD_LABELS[f] for f in missing]))
    return result


def save_section(client: Client, section: Section, form: SectionForm) -> list[str]:
    """Store the section's values and log which fields changed (names, never values).

    Returns the names of the changed fields; the caller commits.
    """
    changed = []
    for name, value in form.values().items():
        if name in section.fields and getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    if changed:
        log_activity(
            PROFILE_UPDATED, target=client, detail={"section": section.name, "fields": changed}
        )
    return changed


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    created_at: object
    by_staff: bool
    section: Section | None
    fields: list


def parse_detail(detail: str | None) -> dict[str, str]:
    """``key=value`` pairs of a log entry's detail line."""
    pairs = (part.partition("=") for part in (detail or "").split(" "))
    return {key: value for key, sep, value in pairs if sep}


def profile_history(client: Client, before: int | None = None, limit: int = HISTORY_PAGE_SIZE):
    """The changes to the client's profile, newest first, and the id to continue from."""
    query = (
        sa.select(ActivityLog)
        .where(
            ActivityLog.target_type == Client.__tablename__,
            ActivityLog.target_id == client.id,
            ActivityLog.action == PROFILE_UPDATED,
        )
        .order_by(ActivityLog.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(ActivityLog.id < before)
    rows = db.session.scalars(query).all()
    entries = []
    for row in rows[:limit]:
        detail = parse_detail(row.detail)
        names = [n for n in detail.get("fields", "").split(",") if n]
        entries.append(
            HistoryEntry(
                id=row.id,
                created_at=row.created_at,
                by_staff=row.actor_role == ROLE_ADMIN,
                section=SECTIONS.get(detail.get("section", "")),
                fields=[FIELD_LABELS.get(n, n) for n in names],
            )
        )
    next_before = entries[-1].id if len(rows) > limit else None
    return entries, next_before
