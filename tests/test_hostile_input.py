"""Hostile values posted to every form of the client space and of the admin's client pages.

Whatever is typed (empty, too long for its column, unicode, control characters, wrong types,
impossible dates, negative numbers), as a plain post or as an htmx request: never a 500; a
refusal is a 422 with a message in the page, the typing kept, and nothing written.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from app import create_app
from models import db
from models.user import User
from services.invitations import invitation_token
from tests.fixtures.config import TEST_SECRET_KEY
from tests.fixtures.devices import add_device, add_intervention, add_licence, client_id_of
from tests.fixtures.http import HTMX
from tests.fixtures.users import PASSWORD, make_user
from tests.test_accounts_bad_input import FORMS as ACCOUNT_FORMS
from tests.test_accounts_bad_input import check_answer
from tests.test_accounts_bad_input import prepare as prepare_account_form
from tests.test_accounts_bad_input import written as account_rows_written

HOSTILE = {
    "empty": "",
    "blank": "   ",
    "beyond_columns": "é" * 301,
    "huge": "x" * 100_001,
    "unicode": "Zoë Ærø 🐍 日本 עברית ‮",
    "control": "a\x00b\x1bc\x7f",
    "newline": "ligne 1\r\nligne 2",
    "html": "<script>alert(1)</script>",
    "not_a_number": "１２abc",
    "negative": "-5",
    "huge_number": "99999999999999999999",
    "date_31_02": "2026-02-31",
    "french_date": "31/02/2026",
    "year_1": "0001-01-01",
    "year_1_time": "0001-01-01T00:00",
    "year_9999_time": "9999-12-31T23:59",
}
# Text the page must show back when it refuses it (control characters and huge values aside).
KEPT = {"unicode", "html", "beyond_columns", "not_a_number", "negative", "french_date"}
# Tables the forms write to; the activity log is left out (admins' views are logged).
WRITTEN = ("user", "client", "device", "licence", "intervention", "intervention_device")


@dataclass
class Form:
    name: str
    who: str  # "client", "business" (a professional client) or "admin"
    url: str  # with {client}, {device}, {licence}, {intervention}, {token}
    data: dict


IDENTITY = {"category": "particulier", "last_name": "Martin", "first_name": "Marie"}
IDENTITY_MORE = {**IDENTITY, "birth_date": "1980-05-14"}
CONTACT = {
    "address_line1": "12 rue des Palmiers",
    "address_line2": "",
    "postcode": "83400",
    "city": "Hyères",
    "country": "FR",
    "phone": "06 12 34 56 78",
}
COMPANY = {
    "company_name": "Cabinet Durand",
    "trade_name": "Durand",
    "head_office": "Hyères",
    "head_office_address": "4 avenue Gambetta, 83400 Hyères",
    "siret": "732 829 320 00074",
    "vat_number": "FR40303265045",
}
DEVICE = {"name": "PC", "type": "laptop", "model": "X1", "serial_number": "SN-1", "notes": "n"}
LICENCE = {
    "product": "Office",
    "licence_key": "K-1",
    "seats": "2",
    "expires_on": "2030-01-31",
    "device_id": "0",
}
INTERVENTION = {
    "starts_at": "2026-03-10T09:00",
    "kind": "on_site",
    "description": "Réparation",
    "technician_id": "0",
    "minutes_spent": "1:30",
    "status": "done",
    "ended_at": "2026-03-10T11:00",
    "report": "<p>Fait.</p>",
}
NEW_CLIENT = {
    "category": "professionnel",
    "email": "nouveau@example.fr",
    "last_name": "Nouveau",
    "first_name": "Client",
    "company_name": "Nouvelle SARL",
}
# Fields whose typing is a choice in a list: a refused value is not shown back.
SELECTS = {"category", "country", "type", "kind", "status", "technician_id", "device_id"}
# What no stored text may hold: control characters other than tab and line breaks.
STORED_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FORMS = [
    Form("profile identity", "client", "/account/profile/identity/edit", IDENTITY_MORE),
    Form("profile contact", "client", "/account/profile/contact/edit", CONTACT),
    Form("profile company", "business", "/account/profile/company/edit", COMPANY),
    Form("client new device", "client", "/account/devices/new", DEVICE),
    Form("client edit device", "client", "/account/devices/{own_device}/edit", DEVICE),
    Form(
        "invitation",
        "anonymous",
        "/account/invitation/{token}",
        {"password": PASSWORD + "x", "confirm": PASSWORD + "x"},
    ),
    Form("admin new client", "admin", "/admin/clients/new", NEW_CLIENT),
    Form("admin identity", "admin", "/admin/clients/{client}/identity/edit", IDENTITY_MORE),
    Form("admin contact", "admin", "/admin/clients/{client}/contact/edit", CONTACT),
    Form("admin new device", "admin", "/admin/clients/{client}/devices/new", DEVICE),
    Form("admin edit device", "admin", "/admin/clients/{client}/devices/{device}/edit", DEVICE),
    Form("admin new licence", "admin", "/admin/clients/{client}/licences/new", LICENCE),
    Form("admin edit licence", "admin", "/admin/clients/{client}/licences/{licence}/edit", LICENCE),
    Form(
        "admin new intervention",
        "admin",
        "/admin/clients/{client}/interventions/new",
        INTERVENTION,
    ),
    Form(
        "admin edit intervention",
        "admin",
        "/admin/interventions/{intervention}/edit",
        INTERVENTION,
    ),
    Form("admin status", "admin", "/admin/interventions/{intervention}/status", {"status": "done"}),
]


def prepare(app, auth, form: Form) -> dict:
    """Log in as the form's user; the ids its URL needs."""
    values = {}
    if form.who == "business":
        user_id = auth.create_client(category="professionnel", company_name="Cabinet Durand")
    else:
        user_id = auth.create_client()
    values["client"] = client_id_of(app, user_id)
    values["device"] = add_device(app, values["client"])
    values["licence"] = add_licence(app, values["client"])
    values["intervention"] = add_intervention(app, values["client"])
    if form.who in ("client", "business"):
        auth.login()
        with app.app_context():
            from models.device import Device

            device = db.session.get(Device, add_device(app, values["client"], name="Mien"))
            device.created_by_id = user_id
            db.session.commit()
            values["own_device"] = device.id
    elif form.who == "admin":
        auth.create_admin(enrolled=True)
        auth.login("admin@example.fr", totp=True)
    else:
        invited = make_user(app, email="invite@example.fr")
        with app.app_context():
            user = db.session.get(User, invited)
            user.password_hash = None
            db.session.commit()
            values["token"] = invitation_token(user)
    return values


def snapshot(app) -> dict:
    """Every row of the tables the forms write to."""
    with app.app_context():
        tables = {t.name: t for t in db.metadata.sorted_tables}
        return {
            name: sorted(
                (tuple(str(v) for v in row) for row in db.session.execute(sa.select(tables[name]))),
            )
            for name in WRITTEN
        }


def problems_of(response, form: Form, name: str, kind: str, value: str, before, app) -> list:
    """What is wrong with how the application answered one hostile value."""
    status = response.status_code
    where = f"{form.name}: {name}={kind}"
    if status not in (200, 204, 303, 422):
        return [f"{where} answered {status}"]
    if status != 422:
        after = snapshot(app)
        new_rows = [r for table, rows in after.items() for r in rows if r not in before[table]]
        if any(STORED_CONTROL.search(v) for r in new_rows for v in r):
            return [f"{where} stored a control character"]
        return []
    page = html.unescape(response.get_data(as_text=True))
    found = []
    if 'class="error"' not in page and "alert-error" not in page:
        found.append(f"{where} refused without a message")
    typed_back = kind in KEPT and name not in SELECTS and name not in ("password", "confirm")
    if typed_back and value not in page:
        found.append(f"{where} lost the typing")
    if snapshot(app) != before:
        found.append(f"{where} wrote to the database although refused")
    return found


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_hostile_values_never_break_a_form(app, client, auth, form, headers):
    values = prepare(app, auth, form)
    url = form.url.format(**values)
    problems = []
    for name in form.data:
        for kind, value in HOSTILE.items():
            before = snapshot(app)
            response = client.post(url, data={**form.data, name: value}, headers=headers)
            problems += problems_of(response, form, name, kind, value, before, app)
    assert not problems, "\n".join(problems)


def test_line_breaks_are_kept_in_text_areas_but_refused_in_one_line_fields(app, client, auth):
    values = prepare(app, auth, FORMS[3])
    refused = client.post("/account/devices/new", data={**DEVICE, "name": "PC\r\nbureau"})
    assert refused.status_code == 422
    assert "caractères invisibles" in html.unescape(refused.get_data(as_text=True))
    kept = client.post("/account/devices/new", data={**DEVICE, "notes": "Ligne 1\r\n\tLigne 2"})
    assert kept.status_code == 303
    with app.app_context():
        from models.device import Device

        notes = db.session.scalars(
            sa.select(Device.notes).where(Device.client_id == values["client"], Device.name == "PC")
        ).one()
    assert notes == "Ligne 1\r\n\tLigne 2"


QUERY_PARAMETERS = {
    "client": [
        ("/account/profile/history", "before"),
        ("/account/interventions", "before"),
    ],
    "admin": [
        ("/admin/clients", "q"),
        ("/admin/clients", "after"),
        ("/admin/interventions", "status"),
        ("/admin/interventions", "before"),
        ("/admin/clients/{client}/interventions", "before"),
    ],
}


@pytest.mark.parametrize("who", ["client", "admin"])
def test_hostile_values_in_searches_and_pages_never_fail(app, client, auth, who):
    values = prepare(app, auth, Form("lists", who, "", {}))
    problems = []
    for path, parameter in QUERY_PARAMETERS[who]:
        url = path.format(**values)
        for kind, value in {**HOSTILE, "sql": "' OR 1=1 --", "percent": "%_%"}.items():
            for headers in ({}, HTMX):
                response = client.get(url, query_string={parameter: value}, headers=headers)
                if response.status_code != 200:
                    problems.append(f"{url}?{parameter}={kind}: {response.status_code}")
    assert not problems, "\n".join(problems)


_app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET_KEY, "CAPTCHA_PROVIDER": "off"})
HUGE_ID_URLS = sorted(
    {
        rule.build({a: 99999999999999999999 for a in rule.arguments}, append_unknown=False)[1]
        for rule in _app.url_map.iter_rules()
        if rule.arguments
        and all(isinstance(rule._converters[a], IntegerConverter) for a in rule.arguments)
    }
)


@pytest.mark.parametrize("who", ["client", "admin"])
def test_an_id_beyond_any_column_is_404_on_every_route(app, client, auth, who):
    prepare(app, auth, Form("ids", who, "", {}))
    assert HUGE_ID_URLS
    problems = []
    for url in HUGE_ID_URLS:
        for method in ("GET", "POST"):
            status = client.open(url, method=method).status_code
            if status not in (404, 405):
                problems.append(f"{method} {url}: {status}")
    for path, parameter in [("/account/profile/history", "before"), ("/admin/clients", "after")]:
        status = client.get(path, query_string={parameter: "99999999999999999999"}).status_code
        if status not in (200, 404):
            problems.append(f"{path}?{parameter}=huge: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("1", 1),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("-1", None),
        ("1.5", None),
        ("", None),
        ("١٢", None),
        (" 3", None),
    ],
)
def test_record_id_reads_only_ids_a_column_holds(text, read):
    from werkzeug.datastructures import MultiDict

    from web.forms import record_id

    assert MultiDict({"after": text}).get("after", type=record_id) == read


@pytest.mark.parametrize(
    ("expires_on", "status"),
    [("1999-12-31", 422), ("2000-01-01", 303), ("2099-12-31", 303), ("2100-01-01", 422)],
)
def test_dates_are_plausible_between_2000_and_2099(app, client, auth, expires_on, status):
    values = prepare(app, auth, Form("licence", "admin", "", {}))
    response = client.post(
        f"/admin/clients/{values['client']}/licences/new",
        data={**LICENCE, "expires_on": expires_on},
    )
    assert response.status_code == status
    if status == 422:
        assert "Saisissez une date entre le 01/01/2000 et le 31/12/2099" in html.unescape(
            response.get_data(as_text=True)
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seats", "deux", "Saisissez un nombre entier."),
        ("expires_on", "31/02/2030", "Saisissez une date valide."),
    ],
)
def test_an_unreadable_value_gets_one_message(app, client, auth, field, value, message):
    values = prepare(app, auth, Form("licence", "admin", "", {}))
    response = client.post(
        f"/admin/clients/{values['client']}/licences/new", data={**LICENCE, field: value}
    )
    assert response.status_code == 422
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert [html.unescape(e) for e in errors] == [message]


# --- A file where text is expected ---------------------------------------------------------
# ``curl -F email=@/etc/hostname``: Flask-WTF used to merge uploaded files into what a form
# reads, and a file reached ``.strip()`` (a 500). Every field of every form gets one.


def a_file():
    """A small uploaded file, as ``curl -F field=@/etc/hostname`` sends it."""
    return (io.BytesIO(b"portail.example.fr\n"), "hostname")


def post_with_file(client, url: str, data: dict, name: str, headers=None):
    return client.post(
        url,
        data={**data, name: a_file()},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_a_file_in_any_field_of_a_client_space_form_never_breaks_it(app, client, auth, form):
    values = prepare(app, auth, form)
    url = form.url.format(**values)
    problems = []
    for name in form.data:
        for headers in ({}, HTMX):
            before = snapshot(app)
            response = post_with_file(client, url, form.data, name, headers)
            problems += problems_of(response, form, name, "file", "", before, app)
    assert not problems, "\n".join(problems)


ACCOUNT_POST_FORMS = [name for name, f in ACCOUNT_FORMS.items() if f.method == "POST"]


@pytest.mark.parametrize("form_name", ACCOUNT_POST_FORMS)
def test_a_file_in_any_field_of_an_accounts_form_never_breaks_it(app, client, htmx, form_name):
    form = ACCOUNT_FORMS[form_name]
    url = prepare_account_form(app, client, form)
    for name in form.valid:
        for headers in (None, htmx):
            before = account_rows_written(app)
            response = post_with_file(client, url, form.valid, name, headers)
            check_answer(response, form, name, None)
            if response.status_code == 422:
                assert account_rows_written(app) == before, f"half-written: {name}=file"


# One-button posts (CSRF token only) and the few posts read without a form: a file under each
# name they read. ``{user}`` is the client's account.
ONE_BUTTON_POSTS = [
    ("client", "/account/devices/{own_device}/delete", ()),
    ("client", "/account/devices/{own_device}/serial", ()),
    ("client", "/account/licences/{licence}/key", ()),
    ("client", "/auth/logout", ()),
    ("anonymous", "/langue", ("locale", "next")),
    ("admin", "/admin/clients/{client}/devices/{device}/delete", ()),
    ("admin", "/admin/clients/{client}/devices/{device}/serial", ()),
    ("admin", "/admin/clients/{client}/licences/{licence}/delete", ()),
    ("admin", "/admin/clients/{client}/licences/{licence}/key", ()),
    ("admin", "/admin/clients/{client}/invitation", ()),
    ("admin", "/admin/users/{user}/disable", ("q",)),
    ("admin", "/admin/users/{user}/enable", ("q",)),
    ("admin", "/admin/users/{user}/reset-link", ("q",)),
    ("admin", "/admin/users/{user}/reset-totp", ("q",)),
]


@pytest.mark.parametrize(
    ("who", "path", "names"), ONE_BUTTON_POSTS, ids=[p for _, p, _ in ONE_BUTTON_POSTS]
)
def test_a_file_in_a_one_button_post_never_breaks_it(app, client, auth, who, path, names):
    values = prepare(app, auth, Form("buttons", who, "", {}))
    with app.app_context():
        values["user"] = db.session.scalar(
            sa.select(User.id).where(User.email_canonical == "client@example.fr")
        )
    url = path.format(**values)
    for name in ("csrf_token", *names):
        for headers in ({}, HTMX):
            response = post_with_file(client, url, {}, name, headers)
            assert response.status_code < 500, f"{url} {name}: {response.status_code}"


def test_every_post_route_has_a_file_case():
    """A new form or button is covered the day it is added, or this test names it."""
    urls = [f.url for f in FORMS] + [ACCOUNT_FORMS[n].url for n in ACCOUNT_POST_FORMS]
    urls += [path for _, path, _ in ONE_BUTTON_POSTS]
    adapter = _app.url_map.bind("localhost")
    covered = set()
    for url in urls:
        covered.add(adapter.match(re.sub(r"\{[a-z_]+\}", "1", url), method="POST")[0])
    posts = {r.endpoint for r in _app.url_map.iter_rules() if "POST" in (r.methods or ())}
    assert posts - covered == set()


def test_a_json_body_is_not_read_as_a_form(client, auth):
    """Flask-WTF also read a JSON body: an object where text is expected was a 500."""
    auth.create_client()
    response = client.post(
        "/auth/login", json={"email": {"a": 1}, "password": ["x"], "csrf_token": "t"}
    )
    assert response.status_code == 422
    assert "Saisissez votre adresse e-mail." in html.unescape(response.get_data(as_text=True))


def test_every_form_of_the_application_reads_posted_text_only():
    from flask_wtf import FlaskForm

    from web.forms import AppForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    direct = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in subclasses(FlaskForm)
        if cls is not AppForm and not issubclass(cls, AppForm)
    ]
    assert direct == []
