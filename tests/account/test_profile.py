"""The client's profile: sections edited in place (htmx) or as plain pages, history, dashboard."""

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.client import Client
from tests.fixtures.http import HTMX

COMPLETE = {
    "address_line1": "12 rue des Palmiers",
    "postcode": "83400",
    "city": "Hyères",
    "country": "FR",
    "phone": "+33612345678",
}
CONTACT_FORM = {
    "address_line1": "3 place Clemenceau",
    "address_line2": "",
    "postcode": "83 400",
    "city": "Hyères",
    "country": "FR",
    "phone": "06 98 76 54 32",
}


@pytest.fixture
def logged_client(auth):
    auth.create_client(**COMPLETE)
    auth.login()
    return auth


def stored_client(app) -> Client:
    """The only client file of the test, as stored."""
    with app.app_context():
        return db.session.scalars(sa.select(Client)).one()


def profile_logs(app):
    with app.app_context():
        return db.session.scalars(
            sa.select(ActivityLog).where(ActivityLog.action == "profile.updated")
        ).all()


def test_profile_page_shows_every_section_of_an_individual(client, logged_client):
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'id="profile-identity"' in page and 'id="profile-contact"' in page
    assert 'id="profile-company"' not in page
    assert "06 12 34 56 78" in page  # French format for a French number
    assert "Aucune modification" in page
    assert 'hx-get="/account/profile/contact/edit"' in page


def test_company_section_is_404_for_an_individual(client, logged_client):
    assert client.get("/account/profile/company/edit").status_code == 404
    assert client.post("/account/profile/company/edit", data={}).status_code == 404
    assert client.get("/account/profile/nothing/edit", headers=HTMX).status_code == 404


def test_edit_fragment_is_the_section_form_with_vary(client, logged_client):
    response = client.get("/account/profile/contact/edit", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html
    assert 'id="profile-contact"' in html and "data-editor" in html and "data-cancel" in html
    assert 'value="06 12 34 56 78"' in html


def test_edit_without_javascript_is_a_full_page(client, logged_client):
    response = client.get("/account/profile/identity/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in html and 'name="last_name"' in html
    assert "anniversaire" in html  # the birth date note of the policy


def test_saving_a_section_in_place_stores_normalised_values_and_logs_field_names(
    app, client, logged_client
):
    response = client.post("/account/profile/contact/edit", data=CONTACT_FORM, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "profile-changed"
    assert "Modifications enregistrées" in html and "data-editor" not in html
    assert "06 98 76 54 32" in html
    saved = stored_client(app)
    assert (saved.phone, saved.postcode, saved.address_line1) == (
        "+33698765432",
        "83400",
        "3 place Clemenceau",
    )
    (entry,) = profile_logs(app)
    assert entry.target_type == "client" and entry.target_id == saved.id
    assert entry.detail == "section=contact fields=address_line1,phone"
    assert "Clemenceau" not in entry.detail


def test_invalid_section_answers_422_with_errors_and_the_typing_kept(app, client, logged_client):
    form = dict(CONTACT_FORM, phone="06 12 34", city="Toulon")
    response = client.post("/account/profile/contact/edit", data=form, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "data-editor" in html and 'aria-invalid="true"' in html
    assert "Numéro de téléphone" in html or "numéro de téléphone" in html
    assert 'value="06 12 34"' in html and 'value="Toulon"' in html
    saved = stored_client(app)
    assert saved.city == "Hyères" and saved.phone == "+33612345678"
    assert profile_logs(app) == []


def test_saving_without_javascript_redirects_to_the_profile(client, logged_client):
    response = client.post("/account/profile/contact/edit", data=CONTACT_FORM)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/profile#profile-contact")
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Modifications enregistrées" in page


def test_invalid_section_without_javascript_is_the_page_with_errors(client, logged_client):
    response = client.post("/account/profile/contact/edit", data=dict(CONTACT_FORM, postcode="834"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "cinq chiffres" in html and 'value="834"' in html


def test_saving_unchanged_values_logs_nothing(app, client, logged_client):
    form = {
        "address_line1": COMPLETE["address_line1"],
        "postcode": "83400",
        "city": "Hyères",
        "country": "FR",
        "phone": "06 12 34 56 78",
    }
    response = client.post("/account/profile/contact/edit", data=form, headers=HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert profile_logs(app) == []


def test_cancel_returns_the_section_as_read(client, logged_client):
    response = client.get("/account/profile/contact", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-editor" not in html and "Modifier" in html
    plain = client.get("/account/profile/contact")
    assert plain.status_code == 302 and plain.headers["Location"].endswith("#profile-contact")


def test_foreign_phone_and_postcode_are_accepted(app, client, logged_client):
    form = dict(CONTACT_FORM, country="GB", postcode="sw1a 1aa", phone="+44 20 7946 0958")
    response = client.post("/account/profile/contact/edit", data=form, headers=HTMX)
    assert response.status_code == 200
    assert "+44 20 7946 0958" in response.get_data(as_text=True)
    saved = stored_client(app)
    assert (saved.country, saved.postcode, saved.phone) == ("GB", "SW1A 1AA", "+442079460958")


def test_identity_birth_date_is_optional_and_checked(app, client, logged_client):
    form = {"category": "particulier", "last_name": "Martin", "first_name": "Marie"}
    ok = client.post("/account/profile/identity/edit", data=form, headers=HTMX)
    assert ok.status_code == 200
    future = client.post(
        "/account/profile/identity/edit", data=dict(form, birth_date="2999-01-01"), headers=HTMX
    )
    assert future.status_code == 422 and "plausible" in future.get_data(as_text=True)
    client.post(
        "/account/profile/identity/edit", data=dict(form, birth_date="1980-02-29"), headers=HTMX
    )
    assert str(stored_client(app).birth_date) == "1980-02-29"


def test_changing_category_reloads_the_page_with_the_company_section(client, logged_client):
    form = {"category": "professionnel", "last_name": "Martin", "first_name": "Marie"}
    response = client.post("/account/profile/identity/edit", data=form, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/account/profile"
    assert 'id="profile-company"' in client.get("/account/profile").get_data(as_text=True)


COMPANY = {
    "company_name": "Cabinet Durand SARL",
    "trade_name": "Cabinet Durand",
    "head_office": "Hyères",
    "head_office_address": "4 avenue Gambetta, 83400 Hyères",
    "siret": "732 829 320 00074",
    "vat_number": "FR 40 303 265 045",
}


@pytest.mark.parametrize(
    ("category", "extra", "status", "rna_shown"),
    [
        ("professionnel", {}, 200, False),
        ("association", {"rna_number": "W833000123"}, 200, True),
        ("association", {"rna_number": "833000123"}, 422, True),
        ("professionnel", {"siret": "73282932000075"}, 422, False),
        ("professionnel", {"vat_number": "FR41303265045"}, 422, False),
    ],
)
def test_company_section_rules(app, client, auth, category, extra, status, rna_shown):
    auth.create_client(category=category, **COMPLETE)
    auth.login()
    form_page = client.get("/account/profile/company/edit", headers=HTMX).get_data(as_text=True)
    assert ('name="rna_number"' in form_page) is rna_shown
    response = client.post(
        "/account/profile/company/edit", data=dict(COMPANY, **extra), headers=HTMX
    )
    assert response.status_code == status
    if status == 200:
        saved = stored_client(app)
        assert saved.siret == "73282932000074" and saved.vat_number == "FR40303265045"


def test_history_lists_field_labels_newest_first_and_never_values(app, client, logged_client):
    client.post("/account/profile/contact/edit", data=CONTACT_FORM, headers=HTMX)
    identity = {"category": "particulier", "last_name": "Dupont", "first_name": "Marie"}
    client.post("/account/profile/identity/edit", data=identity, headers=HTMX)
    response = client.get("/account/profile/history", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"] and "<html" not in html
    assert html.index("Identité : Nom") < html.index("Coordonnées : Adresse, Téléphone")
    assert "Dupont" not in html and "Clemenceau" not in html and "par vous" in html


def test_history_in_english_puts_no_space_before_the_colon(app, client, logged_client):
    client.post("/account/profile/contact/edit", data=CONTACT_FORM, headers=HTMX)
    headers = dict(HTMX, **{"Accept-Language": "en"})
    client.post("/langue", data={"locale": "en"})
    html = client.get("/account/profile/history", headers=headers).get_data(as_text=True)
    assert "Contact details: Address, Phone" in html and " : " not in html


def test_history_is_paginated(app, client, logged_client):
    for n in range(12):
        client.post("/account/profile/contact/edit", data=dict(CONTACT_FORM, city=f"Ville {n}"))
    first = client.get("/account/profile/history", headers=HTMX).get_data(as_text=True)
    assert first.count("<li>") == 10 and "Modifications plus anciennes" in first
    entries = profile_logs(app)
    oldest_shown = sorted(e.id for e in entries)[2]
    assert f"before={oldest_shown}" in first
    older = client.get(f"/account/profile/history?before={oldest_shown}", headers=HTMX)
    older_html = older.get_data(as_text=True)
    assert older_html.count("<li>") == 2 and "Les plus récentes" in older_html
    assert "Modifications plus anciennes" not in older_html
    assert "<html" in client.get("/account/profile/history").get_data(as_text=True)


def test_dashboard_asks_politely_for_missing_data(client, auth):
    auth.create_client(category="association")
    auth.login()
    html = client.get("/account").get_data(as_text=True)
    assert "Complétez votre profil" in html
    assert "/account/profile/contact/edit" in html and "/account/profile/company/edit" in html
    assert "/account/profile/identity/edit" not in html


def test_dashboard_of_a_complete_profile_asks_nothing(client, logged_client):
    html = client.get("/account").get_data(as_text=True)
    assert "Complétez votre profil" not in html
    assert "Bonjour Marie" in html


@pytest.mark.parametrize(
    "url",
    [
        "/account",
        "/account/profile",
        "/account/profile/history",
        "/account/profile/contact",
        "/account/profile/contact/edit",
    ],
)
def test_admins_have_no_client_space(client, auth, url):
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)
    assert client.get(url).status_code == 404
    assert client.get(url, headers=HTMX).status_code == 404


def test_a_client_only_ever_edits_their_own_file(app, client, auth):
    auth.create_client(email="autre@example.fr", last_name="Autre", **COMPLETE)
    auth.create_client(**COMPLETE)
    auth.login()
    client.post("/account/profile/contact/edit", data=dict(CONTACT_FORM, client_id="1"))
    with app.app_context():
        cities = dict(db.session.execute(sa.select(Client.last_name, Client.address_line1)).all())
    assert cities == {"Autre": "12 rue des Palmiers", "Martin": "3 place Clemenceau"}
