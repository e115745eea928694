"""The self-hosted CAPTCHA in a real browser: the widget solves the challenge under our CSP."""

import pytest

from models.captcha import SpentCaptchaChallenge
from tests.fixtures.database import count_rows
from tests.fixtures.users import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.settings(CAPTCHA_PROVIDER="altcha", ALTCHA_COST=200)
def test_login_with_altcha_widget_after_boosted_navigation(app, page, auth):
    auth.create_client()
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Se connecter").click()
    page.wait_for_url("**/auth/login")
    widget = page.locator("altcha-widget")
    widget.wait_for()
    page.get_by_label("Adresse e-mail").fill("client@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    widget.locator("[data-state=verified]").wait_for()  # solved in the page's workers
    page.get_by_role("button", name="Se connecter").last.click()
    page.wait_for_url("**/account")
    assert count_rows(app, SpentCaptchaChallenge) == 1  # the server checked the proof of work
