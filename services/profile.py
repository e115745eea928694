"""The client's profile, section by section: fields, rules of what is required, history.

Both the client space and the administration show these sections; the rules live here so that
neither blueprint imports the other. The sections' forms are in :mod:`web.profile_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

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
from services.dates import format_when
from services.i18n import lazy_gettext as _l

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


@dataclass(frozen=True)
class Section:
    name: str
    title: object
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
        ("category", "last_name", "first_name", "birth_date"),
        ("last_name", "first_name"),
    ),
    "contact": Section(
        "contact",
        _l("Coordonnées"),
        ("address_line1", "address_line2", "postcode", "city", "country", "phone"),
        ("address_line1", "postcode", "city", "country", "phone"),
    ),
    "company": Section(
        "company",
        _l("Entreprise ou association"),
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


def save_section(client: Client, section: Section, values: dict) -> list[str]:
    """Store the section's ``values`` and log which fields changed (names, never values).

    Returns the names of the changed fields; the caller commits.
    """
    changed = []
    for name, value in values.items():
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
