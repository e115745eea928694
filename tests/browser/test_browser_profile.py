"""The profile in a real browser: an in-place edit refused, corrected, saved; Escape cancels."""

import pytest

from tests.fixtures.users import PASSWORD

pytestmark = pytest.mark.browser


def test_in_place_edit_fails_validation_then_is_corrected_and_saved(page, auth):
    auth.create_client(
        address_line1="12 rue des Palmiers",
        postcode="83400",
        city="Hyères",
        country="FR",
        phone="+33612345678",
    )
    page.goto("/auth/login")
    page.get_by_label("Adresse e-mail").fill("client@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").last.click()
    page.wait_for_url("**/account")
    page.goto("/account/profile")
    page.evaluate("window.__sameDocument = true")

    page.locator("#profile-contact").get_by_role("link", name="Modifier").click()
    phone = page.locator("#profile-contact").get_by_label("Téléphone")
    phone.fill("06 12 34")
    page.locator("#profile-contact").get_by_role("button", name="Enregistrer").click()
    error = page.locator("#phone-error")
    error.wait_for()
    assert "numéro" in error.inner_text().lower()
    assert phone.input_value() == "06 12 34"  # the typing is kept
    # Focus moves to the field in error once htmx has settled the swap.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'phone'")

    phone.fill("+44 20 7946 0958")
    page.locator("#profile-contact").get_by_role("button", name="Enregistrer").click()
    page.locator("#profile-contact").get_by_text("Modifications enregistrées").wait_for()
    assert "+44 20 7946 0958" in page.locator("#profile-contact").inner_text()
    page.locator("#profile-history").get_by_text("Coordonnées : Téléphone").wait_for()

    page.locator("#profile-identity").get_by_role("link", name="Modifier").click()
    first_name = page.locator("#profile-identity").get_by_label("Prénom")
    first_name.fill("Changé")
    first_name.press("Escape")
    page.locator("#profile-identity").get_by_role("link", name="Modifier").wait_for()
    assert "Changé" not in page.locator("#profile-identity").inner_text()
    assert page.evaluate("window.__sameDocument") is True
