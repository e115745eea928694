"""Devices and interventions in a real browser: reveal a serial number in place; delete or
cancel only after a confirmation."""

import pytest

from models import db
from models.device import Device
from models.intervention import Intervention
from tests.fixtures.database import count_rows
from tests.fixtures.devices import add_device, add_intervention, client_id_of
from tests.fixtures.totp import TEST_TOTP_SECRET, code_for
from tests.fixtures.users import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, email):
    page.goto("/auth/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").last.click()
    if not email.startswith("client"):
        page.wait_for_url("**/auth/totp")
        page.locator("#code").fill(code_for(TEST_TOTP_SECRET))
        page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/account" if email.startswith("client") else "**/admin")


def test_client_reveals_a_serial_number_in_place(app, page, auth):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id, name="Portable", serial="PF3K9XZ2")
    log_in(page, "client@example.fr")
    page.goto("/account/devices")
    assert "PF3K9XZ2" not in page.content()
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("PF3K9XZ2").wait_for()
    assert page.url.endswith("/account/devices")  # swapped in place, no navigation


def test_admin_deletes_a_device_after_confirming(app, page, auth):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id, name="Vieux PC")
    auth.create_admin(enrolled=True)
    log_in(page, "admin@example.fr")
    page.goto(f"/admin/clients/{client_id}/devices")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Supprimer").click()
    page.wait_for_timeout(300)
    assert count_rows(app, Device) == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer").click()
    page.get_by_text("Équipement « Vieux PC » supprimé.").wait_for()
    assert count_rows(app, Device) == 0


def status_of(app, intervention_id):
    with app.app_context():
        return db.session.get(Intervention, intervention_id).status


def test_admin_cancels_an_intervention_in_place_after_confirming(app, page, auth):
    """The status buttons post with htmx (not a boosted form): data-confirm guards them too."""
    client_id = client_id_of(app, auth.create_client())
    intervention_id = add_intervention(app, client_id)
    auth.create_admin(enrolled=True)
    log_in(page, "admin@example.fr")
    page.goto(f"/admin/interventions/{intervention_id}")
    cancel = page.get_by_role("button", name="Annuler l'intervention")
    page.once("dialog", lambda dialog: dialog.dismiss())
    cancel.click()
    page.wait_for_timeout(300)
    assert status_of(app, intervention_id) == "planned"
    page.once("dialog", lambda dialog: dialog.accept())
    cancel.click()
    page.locator("#intervention-status .status-cancelled").wait_for()
    assert status_of(app, intervention_id) == "cancelled"
