"""No page of the portal stays in a cache but the public ones, generated from the URL map.

Auth pages, token links, secrets shown once (TOTP enrolment, recovery codes, a revealed serial
number or licence key) and every page a logged-in person sees answer
``Cache-Control: no-store``: a shared computer's browser, or a proxy, must not keep them.
"""

from __future__ import annotations

import pytest

from tests.fixtures.url_map import url_rules
from tests.fixtures.users import PASSWORD

# The only pages a browser may keep, and only for an anonymous visitor.
PUBLIC_PAGES = {"public.home", "public.privacy", "public.legal"}


def _example_url(rule) -> str:
    values = {
        arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x"
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def get_pages() -> list[tuple[str, str]]:
    """Every GET page of the URL map, with its endpoint."""
    return sorted(
        (_example_url(rule), rule.endpoint)
        for rule in url_rules(lambda rule: "GET" in rule.methods and rule.endpoint != "static")
    )


def stored_pages(client) -> list[tuple[str, int, str]]:
    """Every GET page of the URL map whose answer lacks ``no-store``, with its endpoint."""
    stored = []
    for url, endpoint in get_pages():
        response = client.get(url)
        response.close()  # a streamed export keeps its request context until closed
        if "no-store" not in response.headers.get("Cache-Control", ""):
            stored.append((url, response.status_code, endpoint))
    return stored


def test_public_pages_exist():
    assert {endpoint for _url, endpoint in get_pages()} >= PUBLIC_PAGES


def test_anonymous_visitor_may_keep_only_the_public_pages(client):
    assert {endpoint for _url, _status, endpoint in stored_pages(client)} <= PUBLIC_PAGES


def test_nothing_is_kept_for_a_logged_in_client(client, auth, two_clients):
    auth.login()  # a client with a device, a licence and an intervention
    assert stored_pages(client) == []


def test_nothing_is_kept_for_a_logged_in_admin(client, admin_login):
    assert stored_pages(client) == []


def test_nothing_is_kept_halfway_through_the_second_factor(app, client):
    from tests.fixtures.users import make_user

    make_user(app, email="admin@example.fr", role="admin")
    client.post("/auth/login", data={"email": "admin@example.fr", "password": PASSWORD})
    enrolment = client.get("/auth/totp/enroll")
    assert enrolment.status_code == 200 and "totp-key" in enrolment.get_data(as_text=True)
    assert enrolment.headers["Cache-Control"] == "no-store"
    assert [page for page in stored_pages(client) if page[2] not in PUBLIC_PAGES] == []


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/auth/login", {"email": "client@example.fr", "password": "wrong"}),
        ("/auth/reset", {"email": "client@example.fr"}),
        ("/auth/register", {"email": "nouveau@example.fr"}),
    ],
)
def test_forms_answered_with_the_typing_are_not_kept(client, auth, url, data):
    auth.create_client()
    response = client.post(url, data=data)
    assert response.headers["Cache-Control"] == "no-store"


def test_reset_form_of_a_real_link_is_not_kept(app, client, auth):
    from models import db
    from models.user import User
    from services.accounts import reset_token

    user_id = auth.create_client()
    with app.test_request_context():
        token = reset_token(db.session.get(User, user_id))
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
