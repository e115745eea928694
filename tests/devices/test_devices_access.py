"""The access rule of devices, licences and interventions, generated from the URL map.

A client reaches only their own records: every route of these areas that names another
client's device, licence or intervention answers 404, as a page and as an htmx fragment, for
every method. Admin routes answer 404 to clients, and to admins when the record does not belong
to the client named in the URL.
"""

import pytest

from tests.fixtures.url_map import url_rules

AREAS = ("devices.", "interventions.")
RECORD_ARGS = {"device_id", "licence_id", "intervention_id"}


def client_rules():
    return url_rules(lambda r: r.endpoint.startswith(AREAS) and r.rule.startswith("/account/"))


def admin_rules():
    return url_rules(lambda r: r.endpoint.startswith(AREAS) and r.rule.startswith("/admin/"))


FRAGMENT = {"HX-Request": "true"}
PAGE = {}


def cases(rules, only_with_records=True):
    for rule in rules:
        if only_with_records and not RECORD_ARGS & set(rule.arguments):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for name, headers in (("page", PAGE), ("fragment", FRAGMENT)):
                yield pytest.param(rule, method, headers, id=f"{method} {rule.rule} {name}")


def url_for_records(rule, records, client_id=None) -> str:
    values = {
        "device_id": records.device_id,
        "licence_id": records.licence_id,
        "intervention_id": records.intervention_id,
        "client_id": client_id if client_id is not None else records.client_id,
    }
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


def test_the_matrix_covers_the_routes_of_both_areas():
    endpoints = {r.endpoint for r in client_rules() if RECORD_ARGS & set(r.arguments)}
    assert {
        "devices.account_device",
        "devices.account_reveal_serial",
        "devices.account_reveal_licence_key",
        "devices.account_edit_device",
        "devices.account_delete_device",
        "interventions.account_intervention",
    } <= endpoints
    assert len(admin_rules()) >= 12


@pytest.mark.from_url_map(("rule", "method", "headers"), lambda: cases(client_rules()))
def test_another_clients_record_is_404_for_a_client(
    client, auth, two_clients, rule, method, headers
):
    auth.login()
    url = url_for_records(rule, two_clients.other)
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == 404, (url, response.status_code)
    own = client.open(url_for_records(rule, two_clients.me), method=method, headers=headers)
    assert own.status_code in (200, 204, 303), "the same route works on one's own record"


@pytest.mark.from_url_map(("rule", "method", "headers"), lambda: cases(admin_rules(), False))
def test_admin_routes_are_404_for_a_client(client, auth, two_clients, rule, method, headers):
    auth.login()
    response = client.open(url_for_records(rule, two_clients.me), method=method, headers=headers)
    assert response.status_code == 404


def admin_rules_with_client():
    return [r for r in admin_rules() if "client_id" in r.arguments]


@pytest.mark.from_url_map(("rule", "method", "headers"), lambda: cases(admin_rules_with_client()))
def test_admin_url_mixing_two_clients_is_404(client, auth, two_clients, rule, method, headers):
    auth.login(two_clients.admin_email, totp=True)
    url = url_for_records(rule, two_clients.other, client_id=two_clients.me.client_id)
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == 404, url


def test_lists_show_only_the_clients_own_records(client, auth, two_clients):
    auth.login()
    assert two_clients.other.device_id != two_clients.me.device_id
    for url in ("/account/devices", "/account/licences", "/account/interventions"):
        page = client.get(url).get_data(as_text=True)
        assert f"/devices/{two_clients.other.device_id}/serial" not in page
        assert f"/account/interventions/{two_clients.other.intervention_id}" not in page
        assert f"/licences/{two_clients.other.licence_id}/key" not in page
