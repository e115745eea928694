"""Rules of the client file's fields: phone, postcode, SIREN/SIRET, VAT and RNA numbers.

Each ``normalize_*`` function takes what a person typed and returns the value to store, or raises
:class:`FieldError` with a French message to show next to the field.
"""

from __future__ import annotations

import re

import phonenumbers
from babel import Locale
from flask_babel import get_locale
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren, siret

from services.i18n import lazy_gettext as _l

DEFAULT_COUNTRY = "FR"
_SEPARATORS = re.compile(r"[\s.\-/]")
_FRENCH_POSTCODE = re.compile(r"\d{5}")
_FOREIGN_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{0,14}")
_RNA = re.compile(r"W\d{9}")


class FieldError(ValueError):
    """What is wrong with a typed value, in words for the person who typed it."""


def normalize_phone(raw: str, default_region: str = DEFAULT_COUNTRY) -> str:
    """The phone number in E.164 (``+33612345678``); French unless it starts with a prefix."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise FieldError(
            _l("Numéro de téléphone illisible : vérifiez les chiffres (ex. 06 12 34 56 78).")
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise FieldError(
            _l(
                "Ce numéro de téléphone n'existe pas. Pour un numéro étranger, "
                "commencez par son indicatif (ex. +44 20 7946 0958)."
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """A stored number as shown: French format for French numbers, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_COUNTRY:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_postcode(raw: str, country: str | None) -> str:
    """A French postcode is five digits; elsewhere letters, digits, spaces and dashes."""
    value = raw.strip().upper()
    if (country or DEFAULT_COUNTRY) == DEFAULT_COUNTRY:
        value = value.replace(" ", "")
        if not _FRENCH_POSTCODE.fullmatch(value):
            raise FieldError(_l("Un code postal français compte cinq chiffres (ex. 83400)."))
        return value
    value = re.sub(r"\s+", " ", value)
    if not _FOREIGN_POSTCODE.fullmatch(value):
        raise FieldError(_l("Code postal invalide : lettres, chiffres, espaces et tirets."))
    return value


def normalize_siren_or_siret(raw: str) -> str:
    """SIREN (9 digits) or SIRET (14 digits), checked with its Luhn key; digits only."""
    value = _SEPARATORS.sub("", raw)
    if not value.isdigit() or len(value) not in (9, 14):
        raise FieldError(
            _l("Saisissez un SIREN (9 chiffres) ou un SIRET (14 chiffres), sans lettres.")
        )
    checker = siren if len(value) == 9 else siret
    try:
        return checker.validate(value)
    except stdnum_errors.ValidationError as error:
        raise FieldError(
            _l("Ce numéro SIREN/SIRET n'est pas valide : vérifiez les chiffres.")
        ) from error


def normalize_vat_number(raw: str) -> str:
    """An EU VAT number, compact and upper-case; a number without country is French."""
    value = _SEPARATORS.sub("", raw).upper()
    if value[:1].isdigit():
        value = "FR" + value
    try:
        return vat.validate(value)
    except stdnum_errors.ValidationError as error:
        raise FieldError(
            _l("Numéro de TVA intracommunautaire invalide (ex. FR40 303 265 045).")
        ) from error


def normalize_rna(raw: str) -> str:
    """The RNA number of an association: W followed by nine digits."""
    value = _SEPARATORS.sub("", raw).upper()
    if not _RNA.fullmatch(value):
        raise FieldError(_l("Le numéro RNA s'écrit W suivi de neuf chiffres (ex. W833000123)."))
    return value


def country_choices() -> list[tuple[str, str]]:
    """Countries by name in the visitor's language, France first."""
    names = Locale.parse(str(get_locale() or "fr")).territories
    codes = sorted(
        (c for c in phonenumbers.SUPPORTED_REGIONS if c in names and c != DEFAULT_COUNTRY),
        key=lambda c: names[c],
    )
    return [(DEFAULT_COUNTRY, names[DEFAULT_COUNTRY])] + [(c, names[c]) for c in codes]


def country_name(code: str | None) -> str:
    """The name of a country code in the visitor's language."""
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "fr")).territories.get(code, code)
