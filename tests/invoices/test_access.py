"""Who reaches which invoice: another client's invoice, PDF or print view is a 404, clients
never see drafts nor admin actions, anonymous visitors are sent to the login page."""

import pytest

from tests.fixtures.invoices import SELLER, make_draft

pytestmark = pytest.mark.settings(**SELLER)

# Every route of the area, by who may use it; {invoice}/{client} are filled per test.
CLIENT_RECORD_URLS = [
    ("GET", "/invoices/{invoice}"),
    ("GET", "/invoices/{invoice}/pdf"),
    ("GET", "/invoices/{invoice}/print"),
]
CLIENT_URLS = [("GET", "/invoices"), ("GET", "/account/documents.zip")]
ADMIN_RECORD_URLS = [
    ("GET", "/admin/clients/{client}/invoices/{invoice}"),
    ("GET", "/admin/clients/{client}/invoices/{invoice}/pdf"),
    ("GET", "/admin/clients/{client}/invoices/{invoice}/print"),
    ("GET", "/admin/clients/{client}/invoices/{invoice}/edit"),
    ("POST", "/admin/clients/{client}/invoices/{invoice}/edit"),
    ("POST", "/admin/clients/{client}/invoices/{invoice}/delete"),
    ("POST", "/admin/clients/{client}/invoices/{invoice}/issue"),
    ("POST", "/admin/clients/{client}/invoices/{invoice}/credit-note"),
    ("GET", "/admin/clients/{client}/invoices/{invoice}/payments/new"),
    ("POST", "/admin/clients/{client}/invoices/{invoice}/payments/new"),
]
ADMIN_URLS = [
    ("GET", "/admin/invoices"),
    ("GET", "/admin/payments"),
    ("GET", "/admin/clients/{client}/invoices"),
    ("GET", "/admin/clients/{client}/invoices/new"),
    ("POST", "/admin/clients/{client}/invoices/new"),
    ("GET", "/admin/clients/{client}/documents.zip"),
]
ALL = CLIENT_RECORD_URLS + CLIENT_URLS + ADMIN_RECORD_URLS + ADMIN_URLS
FRAGMENT = {"HX-Request": "true"}


def _converted(rule: str) -> str:
    return rule.replace("<int:invoice_id>", "{invoice}").replace("<int:client_id>", "{client}")


def test_the_lists_above_cover_every_route_of_the_area(app):
    routes = {
        (method, _converted(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("invoices.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ALL)


def call(client, method, url, headers=None):
    return client.open(url, method=method, headers=headers or {}, data={})


@pytest.mark.parametrize("headers", [{}, FRAGMENT], ids=["page", "fragment"])
@pytest.mark.parametrize(("method", "url"), CLIENT_RECORD_URLS)
def test_another_clients_invoice_is_404(client, auth, billing_clients, method, url, headers):
    auth.login()
    mine = call(client, method, url.format(invoice=billing_clients.me.invoice_id))
    assert mine.status_code == 200
    response = call(client, method, url.format(invoice=billing_clients.other.invoice_id), headers)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url"), CLIENT_RECORD_URLS)
def test_a_draft_is_not_shown_to_its_client(app, client, auth, billing_clients, method, url):
    draft_id = make_draft(app, billing_clients.me.client_id)
    auth.login()
    assert call(client, method, url.format(invoice=draft_id)).status_code == 404


@pytest.mark.parametrize(("method", "url"), ADMIN_RECORD_URLS + ADMIN_URLS)
def test_admin_routes_are_404_for_clients(client, auth, billing_clients, method, url):
    me = billing_clients.me
    auth.login()
    response = call(client, method, url.format(client=me.client_id, invoice=me.invoice_id))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url"), ADMIN_RECORD_URLS)
def test_an_admin_url_naming_the_wrong_client_is_404(client, auth, billing_clients, method, url):
    auth.login(billing_clients.admin_email, totp=True)
    url = url.format(client=billing_clients.me.client_id, invoice=billing_clients.other.invoice_id)
    assert call(client, method, url).status_code == 404


@pytest.mark.parametrize(("method", "url"), ALL)
def test_anonymous_visitors_are_sent_to_the_login_page(client, billing_clients, method, url):
    me = billing_clients.me
    response = call(client, method, url.format(client=me.client_id, invoice=me.invoice_id))
    assert response.status_code in (302, 303), response.status_code
    assert "/auth/login" in response.headers["Location"]


def test_the_client_list_shows_only_the_clients_own_issued_documents(
    app, client, auth, billing_clients
):
    make_draft(app, billing_clients.me.client_id, lines=(("Brouillon secret", 1000, 100, 2000, 0),))
    auth.login()
    page = client.get("/invoices").get_data(as_text=True)
    assert f"/invoices/{billing_clients.me.invoice_id}" in page
    assert f"/invoices/{billing_clients.other.invoice_id}" not in page
    assert "Brouillon secret" not in page
