"""Names, company names and every identity field refuse invisible formatting characters.

A right-to-left override shows "Mar\u202enitram" as "Martin" reversed; a zero-width space makes
two identical-looking names differ. They are refused with a French message, the rest of the
typing kept. Free text (notes, reports) is left alone.
"""

from __future__ import annotations

import html

import pytest
from wtforms import PasswordField, StringField

from services.profile import SECTIONS
from tests.fixtures.devices import client_id_of
from tests.fixtures.hostile import COMPANY, CONTACT, IDENTITY, NEW_CLIENT
from tests.fixtures.users import make_user
from web.forms import invisible_formatting_problem
from web.profile_forms import SECTION_FORMS

INVISIBLE = {
    "LRE": "\u202a",
    "RLE": "\u202b",
    "PDF": "\u202c",
    "LRO": "\u202d",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "RLI": "\u2067",
    "FSI": "\u2068",
    "PDI": "\u2069",
    "LRM": "\u200e",
    "RLM": "\u200f",
    "ALM": "\u061c",
    "ZWSP": "\u200b",
    "ZWNJ": "\u200c",
    "ZWJ": "\u200d",
    "WJ": "\u2060",
    "BOM": "\ufeff",
}
MESSAGE = "caractères invisibles (inversion du sens d'écriture ou espace sans largeur)"
VALID = {"identity": IDENTITY, "contact": CONTACT, "company": {**COMPANY, "rna_number": ""}}


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_every_invisible_formatting_character_is_named(app, char):
    field = StringField().bind(form=None, name="last_name", _meta=_meta())
    field.data = f"Mar{char}tin"
    with app.test_request_context():
        assert MESSAGE in invisible_formatting_problem(field)
    field.data = "Zoë Ærø-Łukasz 日本 עברית"  # letters of every script are fine
    assert invisible_formatting_problem(field) is None
    password = PasswordField().bind(form=None, name="password", _meta=_meta())
    password.data = f"Mot{char}de-passe"
    assert invisible_formatting_problem(password) is None


def _meta():
    from wtforms.meta import DefaultMeta

    return DefaultMeta()


def identity_fields():
    """(section, field) for every text field of every profile section."""
    for section in SECTIONS.values():
        for name, unbound in vars(SECTION_FORMS[section.name]).items():
            kind = getattr(unbound, "field_class", None)
            if kind and issubclass(kind, StringField) and name in section.fields:
                yield section.name, name


IDENTITY_FIELDS = list(identity_fields())


def test_the_list_of_identity_fields_is_complete():
    assert len(IDENTITY_FIELDS) >= 13, IDENTITY_FIELDS
    assert ("identity", "last_name") in IDENTITY_FIELDS
    assert ("company", "company_name") in IDENTITY_FIELDS


def _refused(response, typed: str) -> None:
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert MESSAGE in page
    assert typed in page


@pytest.mark.parametrize("who", ["client", "admin"])
@pytest.mark.parametrize(("section", "name"), IDENTITY_FIELDS)
def test_each_identity_field_refuses_bidi_and_zero_width(app, client, auth, who, section, name):
    user_id = make_user(
        app, category="association", company_name="Club", head_office_address="Hyères"
    )
    client_id = client_id_of(app, user_id)
    if who == "client":
        auth.login()
        url = f"/account/profile/{section}/edit"
    else:
        auth.create_admin(enrolled=True)
        auth.login("admin@example.fr", totp=True)
        url = f"/admin/clients/{client_id}/{section}/edit"
    for char in ("\u202e", "\u200b", "\u2066"):
        typed = f"Dur{char}and"
        _refused(client.post(url, data={**VALID[section], name: typed}), typed)


@pytest.mark.parametrize("name", ["last_name", "first_name", "company_name"])
def test_a_client_created_by_an_admin_refuses_them_too(app, client, auth, name):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    typed = "Nou\u202eveau"
    _refused(client.post("/admin/clients/new", data={**NEW_CLIENT, name: typed}), typed)


@pytest.mark.parametrize(
    ("url", "field", "data"),
    [
        ("/admin/clients/new", "email", NEW_CLIENT),
        (
            "/auth/register",
            "email",
            {"password": "x", "password_confirm": "x", "category": "particulier"},
        ),
    ],
)
def test_addresses_refuse_them_through_the_address_check(app, client, auth, url, field, data):
    if url.startswith("/admin"):
        auth.create_admin(enrolled=True)
        auth.login("admin@example.fr", totp=True)
    response = client.post(url, data={**data, field: "nou\u200bveau@example.fr"})
    assert response.status_code == 422


def test_free_text_keeps_them(app, client, auth):
    """Notes may quote right-to-left text: only identity fields refuse these characters."""
    auth.create_client()
    auth.login()
    response = client.post(
        "/account/devices/new",
        data={"name": "PC", "type": "laptop", "notes": "עברית \u200f(note)"},
    )
    assert response.status_code == 303
