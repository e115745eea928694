"""Rules of the client file's fields: phone, postcode, SIREN/SIRET, VAT, RNA."""

import pytest

from services.client_fields import (
    FieldError,
    format_phone,
    normalize_phone,
    normalize_postcode,
    normalize_rna,
    normalize_siren_or_siret,
    normalize_vat_number,
)


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("04 94 00 00 00", "+33494000000"),
        ("+33 (0)4 94 00 00 00", "+33494000000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 202-555-0123", "+12025550123"),
        ("+32 2 555 12 12", "+3225551212"),
    ],
)
def test_valid_phone_numbers_are_stored_in_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["06 12 34", "01 23 45 67 89 10", "abc", "+44 12", "20 7946 0958", "+999 1234 5678"]
)
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(FieldError):
        normalize_phone(typed)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33494000000", "04 94 00 00 00"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+12025550123", "+1 202-555-0123"),
        (None, ""),
    ],
)
def test_phone_numbers_are_shown_french_style_for_france_only(stored, shown):
    assert format_phone(stored) == shown


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("83400", "FR", "83400"),
        (" 75 001 ", "FR", "75001"),
        ("SW1A 1AA", "GB", "SW1A 1AA"),
        ("sw1a 1aa", "GB", "SW1A 1AA"),
        ("1000", "BE", "1000"),
        ("10115", "DE", "10115"),
        ("H3Z 2Y7", "CA", "H3Z 2Y7"),
    ],
)
def test_valid_postcodes(typed, country, stored):
    assert normalize_postcode(typed, country) == stored


@pytest.mark.parametrize(
    ("typed", "country"),
    [("8340", "FR"), ("834000", "FR"), ("83A00", "FR"), ("SW1A 1AA", "FR"), ("<b>", "GB")],
)
def test_invalid_postcodes(typed, country):
    with pytest.raises(FieldError):
        normalize_postcode(typed, country)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("732829320", "732829320"),
        ("732 829 320", "732829320"),
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("732.829.320.00074", "73282932000074"),
    ],
)
def test_valid_siren_and_siret_are_stored_as_digits(typed, stored):
    assert normalize_siren_or_siret(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "732829321",  # bad checksum (SIREN)
        "73282932000075",  # bad checksum (SIRET)
        "73282932",  # too short
        "7328293200007",  # neither 9 nor 14
        "732829320000740",  # too long
        "ABC829320",  # letters
    ],
)
def test_invalid_siren_and_siret_are_refused(typed):
    with pytest.raises(FieldError):
        normalize_siren_or_siret(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("FR40303265045", "FR40303265045"),
        ("fr 40 303 265 045", "FR40303265045"),
        ("40303265045", "FR40303265045"),
        ("DE 136 695 976", "DE136695976"),
    ],
)
def test_valid_vat_numbers(typed, stored):
    assert normalize_vat_number(typed) == stored


@pytest.mark.parametrize("typed", ["FR41303265045", "FR123", "XX123456789", "DE136695977"])
def test_invalid_vat_numbers(typed):
    with pytest.raises(FieldError):
        normalize_vat_number(typed)


@pytest.mark.parametrize(
    ("typed", "stored"), [("W833000123", "W833000123"), ("w 833 000 123", "W833000123")]
)
def test_valid_rna_numbers(typed, stored):
    assert normalize_rna(typed) == stored


@pytest.mark.parametrize(
    "typed", ["833000123", "W83300012", "W8330001234", "X833000123", "WA33000123"]
)
def test_invalid_rna_numbers(typed):
    with pytest.raises(FieldError):
        normalize_rna(typed)
