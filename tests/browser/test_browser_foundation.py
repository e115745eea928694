"""The foundation in a real browser: boosted navigation and a form error swapped in."""

import pytest

pytestmark = pytest.mark.browser


def test_boosted_navigation_and_form_error_swap(page, auth):
    auth.create_client()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("navigation").get_by_role("link", name="Se connecter").click()
    page.wait_for_url("**/auth/login")
    assert page.evaluate("window.__sameDocument") is True  # hx-boost: no full reload
    page.get_by_label("Adresse e-mail").fill("client@example.fr")
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").last.click()
    error = page.get_by_role("alert")
    error.wait_for()
    assert "incorrect" in error.inner_text()
    assert page.get_by_label("Adresse e-mail").input_value() == "client@example.fr"
    assert page.evaluate("window.__sameDocument") is True
