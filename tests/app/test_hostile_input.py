"""Hostile values posted to every form of the client space and of the admin's client pages,
to their searches, lists and one-button posts. The values, the forms and the judging of answers
are the harness of tests/fixtures/hostile.py."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from models import db
from tests.fixtures.hostile import (
    ACCOUNT_FORMS,
    CLIENT_SPACE_FORMS,
    DEVICE,
    HOSTILE,
    LICENCE,
    prepare,
    reach,
    send_with_file,
    try_a_file_in_each_field,
    try_each_field,
)
from tests.fixtures.http import HTMX
from tests.fixtures.url_map import url_map_app, url_rules

FORMS = CLIENT_SPACE_FORMS


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_hostile_values_never_break_a_form(app, client, form, headers):
    url = reach(app, client, form)
    problems = try_each_field(app, client, form, url, HOSTILE, headers)
    assert not problems, "\n".join(problems)


def test_line_breaks_are_kept_in_text_areas_but_refused_in_one_line_fields(app, client):
    reach(app, client, FORMS[3])
    refused = client.post("/account/devices/new", data={**DEVICE, "name": "PC\r\nbureau"})
    assert refused.status_code == 422
    assert "caractères invisibles" in html.unescape(refused.get_data(as_text=True))
    kept = client.post("/account/devices/new", data={**DEVICE, "notes": "Ligne 1\r\n\tLigne 2"})
    assert kept.status_code == 303
    with app.app_context():
        from models.device import Device

        notes = db.session.scalars(sa.select(Device.notes).where(Device.name == "PC")).one()
    assert notes == "Ligne 1\r\n\tLigne 2"


QUERY_PARAMETERS = {
    "client": [
        ("/account/profile/history", "before"),
        ("/account/interventions", "before"),
        ("/account/privacy", "before"),
        ("/tickets", "before"),
        ("/tickets", "state"),
    ],
    "admin": [
        ("/admin/clients", "q"),
        ("/admin/clients", "after"),
        ("/admin/interventions", "status"),
        ("/admin/interventions", "before"),
        ("/admin/clients/{client}/interventions", "before"),
        ("/admin/tickets", "after"),
        ("/admin/tickets", "q"),
        ("/admin/tickets", "client"),
        ("/admin/tickets", "assignee"),
        ("/admin/gdpr", "page"),
        ("/admin/gdpr", "state"),
    ],
}


@pytest.mark.parametrize("who", ["client", "admin"])
def test_hostile_values_in_searches_and_pages_never_fail(app, client, who):
    values = prepare(app, client, who)
    problems = []
    for path, parameter in QUERY_PARAMETERS[who]:
        url = path.format(**values)
        for kind, value in {**HOSTILE, "sql-no-space": "' OR 1=1 --", "percent": "%_%"}.items():
            for headers in ({}, HTMX):
                response = client.get(url, query_string={parameter: value}, headers=headers)
                if response.status_code != 200:
                    problems.append(f"{url}?{parameter}={kind}: {response.status_code}")
    assert not problems, "\n".join(problems)


def huge_id_urls() -> list[str]:
    """Every route whose arguments are all ids, with an id no column can hold."""
    return sorted(
        {
            rule.build({a: 99999999999999999999 for a in rule.arguments}, append_unknown=False)[1]
            for rule in url_rules(
                lambda rule: (
                    rule.arguments
                    and all(
                        isinstance(rule._converters[a], IntegerConverter) for a in rule.arguments
                    )
                )
            )
        }
    )


@pytest.mark.parametrize("who", ["client", "admin"])
def test_an_id_beyond_any_column_is_404_on_every_route(app, client, who):
    prepare(app, client, who)
    urls = huge_id_urls()
    assert urls
    problems = []
    for url in urls:
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
def test_dates_are_plausible_between_2000_and_2099(app, client, expires_on, status):
    values = prepare(app, client, "admin")
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
def test_an_unreadable_value_gets_one_message(app, client, field, value, message):
    values = prepare(app, client, "admin")
    response = client.post(
        f"/admin/clients/{values['client']}/licences/new", data={**LICENCE, field: value}
    )
    assert response.status_code == 422
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert [html.unescape(e) for e in errors] == [message]


# --- A file where text is expected ---------------------------------------------------------
# ``curl -F email=@/etc/hostname``: Flask-WTF used to merge uploaded files into what a form
# reads, and a file reached ``.strip()`` (a 500). Every field of every form gets one.


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_a_file_in_any_field_of_a_client_space_form_never_breaks_it(app, client, form):
    url = reach(app, client, form)
    problems = try_a_file_in_each_field(app, client, form, url)
    assert not problems, "\n".join(problems)


ACCOUNT_POST_FORMS = [name for name, f in ACCOUNT_FORMS.items() if f.method == "POST"]


@pytest.mark.parametrize("form_name", ACCOUNT_POST_FORMS)
def test_a_file_in_any_field_of_an_accounts_form_never_breaks_it(app, client, form_name):
    form = ACCOUNT_FORMS[form_name]
    url = reach(app, client, form)
    problems = try_a_file_in_each_field(app, client, form, url)
    assert not problems, "\n".join(problems)


# One-button posts (CSRF token only) and the few posts read without a form: a file under each
# name they read. ``{user}`` is the client's account.
ONE_BUTTON_POSTS = [
    ("client", "/account/devices/{own_device}/delete", ()),
    ("client", "/account/devices/{own_device}/serial", ()),
    ("client", "/account/licences/{licence}/key", ()),
    ("client", "/auth/logout", ()),
    ("client", "/tickets/{ticket}/close", ()),
    ("client", "/tickets/{ticket}/reopen", ()),
    ("admin", "/admin/tickets/{ticket}/intervention", ()),
    ("admin", "/admin/tickets/replies/{reply}/delete", ()),
    ("admin", "/admin/clients/{client}/invoices/{draft_invoice}/delete", ()),
    ("admin", "/admin/clients/{client}/invoices/{draft_invoice}/issue", ()),
    ("admin", "/admin/clients/{client}/invoices/{invoice}/credit-note", ()),
    ("admin", "/admin/clients/{client}/contracts/{contract}/renew", ()),
    ("admin", "/admin/gdpr/requests/{erasure_request}/confirmation", ()),
    ("admin", "/admin/gdpr/requests/{erasure_request}/erase", ()),
    ("admin", "/admin/clients/{client}/legal-hold/lift", ()),
    ("admin", "/admin/gdpr/register/purposes/{purpose}/delete", ()),
    ("admin", "/admin/newsletters/{newsletter}/test", ()),
    ("admin", "/admin/newsletters/{newsletter}/send", ()),
    ("admin", "/admin/newsletters/{newsletter}/delete", ()),
    ("admin", "/admin/clients/{client}/restriction/lift", ()),
    ("client", "/account/privacy/birthday-wishes/stop", ()),
    ("client", "/account/privacy/newsletter/subscribe", ()),
    ("client", "/account/privacy/newsletter/unsubscribe", ()),
    ("anonymous", "/newsletter/confirm/{newsletter_token}", ()),
    ("anonymous", "/newsletter/unsubscribe/{unsubscribe_token}", ()),
    ("client", "/account/privacy/birthday-wishes/resume", ()),
    ("client", "/account/privacy/erasure/{erasure_token}", ()),
    ("admin", "/admin/clients/{client}/contracts/{contract}/cancel", ()),
    ("admin", "/admin/clients/{client}/contracts/{contract}/non-renewal/withdraw", ()),
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
def test_a_file_in_a_one_button_post_never_breaks_it(app, client, who, path, names):
    url = path.format(**prepare(app, client, who))
    for name in ("csrf_token", *names):
        for headers in ({}, HTMX):
            response = send_with_file(client, url, {}, name, headers)
            assert response.status_code < 500, f"{url} {name}: {response.status_code}"


def test_every_post_route_has_a_file_case():
    """A new form or button is covered the day it is added, or this test names it."""
    urls = [f.url for f in FORMS] + [ACCOUNT_FORMS[n].url for n in ACCOUNT_POST_FORMS]
    urls += [path for _, path, _ in ONE_BUTTON_POSTS]
    url_map = url_map_app().url_map
    adapter = url_map.bind("localhost")
    covered = set()
    for url in urls:
        covered.add(adapter.match(re.sub(r"\{[a-z_]+\}", "1", url), method="POST")[0])
    posts = {r.endpoint for r in url_map.iter_rules() if "POST" in (r.methods or ())}
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
