"""The client dashboard and the admin home, as a person sees them: every panel, empty states
that say what to do next, links that lead somewhere."""

import html
import re

import pytest

from tests.fixtures.devices import add_device, add_intervention, add_licence, client_id_of
from tests.fixtures.http import HTMX

COMPLETE = {
    "address_line1": "12 rue des Palmiers",
    "postcode": "83400",
    "city": "Hyères",
    "country": "FR",
    "phone": "+33612345678",
}
PANELS = ("panel-profile", "panel-interventions", "panel-devices")


def panel_links(page: str) -> list[str]:
    """The links of the dashboard's panels (inside ``<div class="panels">``)."""
    panels = page.split('<div class="panels">', 1)[1]
    return re.findall(r'href="(/[^"]*)"', panels)


def test_new_client_sees_every_panel_and_what_to_do_next(app, client, auth):
    auth.create_client()  # names only: contact details missing, no device, no intervention
    auth.login()
    response = client.get("/account")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for panel in PANELS:
        assert f'id="{panel}"' in page, panel
    assert "Complétez votre profil" in page
    assert "/account/profile/contact/edit" in page
    assert "Aucune intervention pour le moment" in page
    assert f"mailto:{app.config['COMPANY_EMAIL']}" in page
    assert "Aucun équipement enregistré" in page
    assert "/account/devices/new" in page
    for link in panel_links(page):
        assert client.get(link).status_code == 200, link


@pytest.mark.settings(CLIENTS_MAY_ADD_DEVICES=False)
def test_empty_devices_panel_offers_no_add_when_clients_may_not(client, auth):
    auth.create_client()
    auth.login()
    page = html.unescape(client.get("/account").get_data(as_text=True))
    assert "/account/devices/new" not in page
    assert "Notre technicien les ajoutera" in page


def test_client_with_data_sees_it_at_a_glance(app, client, auth):
    client_id = client_id_of(app, auth.create_client(**COMPLETE))
    device_id = add_device(app, client_id)
    add_licence(app, client_id, device_id=device_id)
    intervention_id = add_intervention(app, client_id, device_ids=[device_id])
    auth.login()
    page = html.unescape(client.get("/account").get_data(as_text=True))
    assert 'id="panel-profile"' not in page  # nothing missing: nothing asked
    assert "1 équipement enregistré" in page and "1 licence" in page
    assert f"/account/interventions/{intervention_id}" in page
    for link in panel_links(page):
        assert client.get(link).status_code == 200, link


def test_admin_home_shows_the_panels_of_the_areas_that_exist(app, client, auth):
    client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    response = client.get("/admin")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="panel-clients"' in page and "1 client" in page
    assert 'id="panel-admin-interventions"' in page
    assert "Aucune intervention planifiée aujourd'hui ni en cours" in page
    for link in re.findall(r'href="(/admin[^"]*)"', page.split('<div class="panels">', 1)[1]):
        assert client.get(link).status_code == 200, link
        assert client.get(link, headers=HTMX).status_code == 200, link


def test_every_login_the_demo_prints_works(app, runner, auth, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"démonstration : (\S+)", result.output).group(1)
    clients = re.findall(r"client : (\S+)", result.output)
    (admin,) = re.findall(r"administrateur : (\S+)", result.output)
    asked = []
    for email in clients:
        assert auth.login(email=email, password=password).headers["Location"] == "/account"
        page = html.unescape(client.get("/account").get_data(as_text=True))
        assert 'id="panel-interventions"' in page and 'id="panel-devices"' in page
        if 'id="panel-profile"' in page:
            asked.append(email)
        auth.logout()
    assert len(clients) == 3 and asked == [clients[2]], "one demo client shows the profile prompt"
    response = auth.login(email=admin, password=password)
    assert response.headers["Location"] == "/auth/totp/enroll"  # the admin sets up the 2FA
