"""The client space's access rule over ALL its routes, generated from the URL map.

Every /account route whose URL names something (a record id, a profile section, an invitation
token) answers 404 when that something is not the logged-in client's, for every method, as a
page and as an htmx fragment. A new /account route with an argument this suite does not know
fails the first test until the suite learns how to name another client's record with it.
"""

import pytest
import sqlalchemy as sa

from models import db
from models.client import Client
from models.user import User
from services.invitations import invitation_token
from tests.fixtures.url_map import url_rules

KNOWN_ARGUMENTS = {
    "device_id",
    "licence_id",
    "intervention_id",
    "ticket_id",
    "attachment_id",
    "invoice_id",
    "contract_id",
    "name",
    "token",
}
TOKEN_LINKS = {"account.accept_invitation", "gdpr.confirm_erasure"}
# The client space: its pages under /account, and the areas whose client pages have their own root.
CLIENT_ROOTS = ("/account/", "/tickets/", "/invoices/", "/contracts/")


def account_rules():
    """The client-space routes whose URL names something."""
    return sorted(
        url_rules(lambda r: r.rule.startswith(CLIENT_ROOTS) and r.arguments), key=lambda r: r.rule
    )


def cases():
    for rule in account_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for name, headers in (("page", {}), ("fragment", {"HX-Request": "true"})):
                yield pytest.param(rule, method, headers, id=f"{method} {rule.rule} {name}")


@pytest.fixture
def setup(app, two_clients):
    """Me, an individual; the other, a professional (so they have a company section)."""
    with app.app_context():
        other = db.session.get(Client, two_clients.other.client_id)
        other.category = "professionnel"
        other.company_name = "Autre SARL"
        db.session.commit()
        other_user = db.session.scalar(sa.select(User).where(User.id == other.user_id))
        token = invitation_token(other_user)
    return two_clients, token


def url_for_records(rule, records, name: str, token: str) -> str:
    values = {
        "device_id": records.device_id,
        "licence_id": records.licence_id,
        "intervention_id": records.intervention_id,
        "ticket_id": records.ticket_id,
        "attachment_id": records.attachment_id,
        "invoice_id": records.invoice_id,
        "contract_id": records.contract_id,
        "name": name,
        "token": token,
    }
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


def test_every_argument_of_the_client_space_is_known():
    assert account_rules(), "no /account route with an argument"
    for rule in account_rules():
        assert set(rule.arguments) <= KNOWN_ARGUMENTS, rule.rule
    endpoints = {r.endpoint for r in account_rules()}
    assert {"account.show_section", "account.edit_section", "account.accept_invitation"} <= (
        endpoints
    )


@pytest.mark.from_url_map(("rule", "method", "headers"), cases)
def test_another_clients_record_or_section_is_404(client, auth, setup, rule, method, headers):
    records, token = setup
    auth.login()
    # The company section is the other client's (a professional), not mine (an individual);
    # the other client's invitation is dead (they have a password) whoever opens it.
    url = url_for_records(rule, records.other, "company", token)
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("name", ["company", "unknown", "identity.", "IDENTITY", "0"])
@pytest.mark.parametrize("path", ["/account/profile/{}", "/account/profile/{}/edit"])
def test_a_section_that_is_not_mine_is_404(client, auth, setup, name, path):
    auth.login()
    for headers in ({}, {"HX-Request": "true"}):
        assert client.get(path.format(name), headers=headers).status_code == 404


def test_my_own_records_and_sections_answer(client, auth, setup):
    records, _token = setup
    auth.login()
    for rule in account_rules():
        # Links from mails (an invitation, an erasure's confirmation): tested with their areas.
        if rule.endpoint in TOKEN_LINKS or "GET" not in rule.methods:
            continue
        url = url_for_records(rule, records.me, "contact", "")
        response = client.get(url, headers={"HX-Request": "true"})
        response.close()  # a download streams its file until closed
        assert response.status_code == 200, (url, response.status_code)


def admin_rules():
    return sorted(
        url_rules(lambda r: r.rule == "/admin" or r.rule.startswith("/admin/")),
        key=lambda r: r.rule,
    )


@pytest.mark.from_url_map("rule", admin_rules, ids=str)
def test_every_admin_route_is_404_for_a_client(client, auth, setup, rule):
    records, _token = setup
    auth.login()
    values = {
        "client_id": records.me.client_id,
        "device_id": records.me.device_id,
        "licence_id": records.me.licence_id,
        "intervention_id": records.me.intervention_id,
        "ticket_id": records.me.ticket_id,
        "invoice_id": records.me.invoice_id,
        "contract_id": records.me.contract_id,
        "user_id": 1,
        "attachment_id": records.me.attachment_id,
        "reply_id": 1,
        "breach_id": 1,
        "purpose_id": 1,
        "newsletter_id": 1,
        "request_id": records.me.request_id,
        "name": "contact",
    }
    url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, headers=headers)
            assert response.status_code == 404, (method, url, headers)
