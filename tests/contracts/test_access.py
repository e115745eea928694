"""Who reaches which contract: another client's contract is a 404, clients never reach admin
actions, anonymous visitors are sent to the login page."""

import pytest

ADMIN_RECORD_URLS = [
    ("GET", "/admin/clients/{client}/contracts/{contract}"),
    ("GET", "/admin/clients/{client}/contracts/{contract}/pdf"),
    ("GET", "/admin/clients/{client}/contracts/{contract}/edit"),
    ("POST", "/admin/clients/{client}/contracts/{contract}/edit"),
    ("POST", "/admin/clients/{client}/contracts/{contract}/renew"),
    ("POST", "/admin/clients/{client}/contracts/{contract}/cancel"),
    ("POST", "/admin/clients/{client}/contracts/{contract}/non-renewal/withdraw"),
]
ADMIN_URLS = [
    ("GET", "/admin/contracts"),
    ("GET", "/admin/clients/{client}/contracts"),
    ("GET", "/admin/clients/{client}/contracts/new"),
    ("POST", "/admin/clients/{client}/contracts/new"),
]
CLIENT_RECORD_URLS = [("GET", "/contracts/{contract}"), ("GET", "/contracts/{contract}/pdf")]
CLIENT_URLS = [("GET", "/contracts")]
ALL = CLIENT_RECORD_URLS + CLIENT_URLS + ADMIN_RECORD_URLS + ADMIN_URLS


def _converted(rule: str) -> str:
    return rule.replace("<int:contract_id>", "{contract}").replace("<int:client_id>", "{client}")


def test_the_lists_above_cover_every_route_of_the_area(app):
    routes = {
        (method, _converted(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("contracts.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ALL)


def call(client, method, url):
    return client.open(url, method=method, data={})


def test_another_clients_contract_is_404(client, auth, contract_clients):
    auth.login()
    assert client.get(f"/contracts/{contract_clients.me.contract_id}").status_code == 200
    assert client.get(f"/contracts/{contract_clients.other.contract_id}").status_code == 404


@pytest.mark.parametrize(("method", "url"), ADMIN_RECORD_URLS + ADMIN_URLS)
def test_admin_routes_are_404_for_clients(client, auth, contract_clients, method, url):
    me = contract_clients.me
    auth.login()
    response = call(client, method, url.format(client=me.client_id, contract=me.contract_id))
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url"), ADMIN_RECORD_URLS)
def test_an_admin_url_naming_the_wrong_client_is_404(client, auth, contract_clients, method, url):
    auth.login(contract_clients.admin_email, totp=True)
    me, other = contract_clients.me, contract_clients.other
    assert (
        call(
            client, method, url.format(client=me.client_id, contract=other.contract_id)
        ).status_code
        == 404
    )


@pytest.mark.parametrize(("method", "url"), ALL)
def test_anonymous_visitors_are_sent_to_the_login_page(client, contract_clients, method, url):
    me = contract_clients.me
    response = call(client, method, url.format(client=me.client_id, contract=me.contract_id))
    assert response.status_code in (302, 303), response.status_code
    assert "/auth/login" in response.headers["Location"]


def test_the_client_list_shows_only_the_clients_own_contracts(app, client, auth, contract_clients):
    auth.login()
    page = client.get("/contracts").get_data(as_text=True)
    assert f"/contracts/{contract_clients.me.contract_id}" in page
    assert f"/contracts/{contract_clients.other.contract_id}" not in page
