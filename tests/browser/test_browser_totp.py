"""An admin's first login in a real browser: password, TOTP enrolment, codes, admin pages."""

import pyotp
import pytest

pytestmark = pytest.mark.browser


def test_admin_first_login_enrols_totp(page, auth):
    auth.create_admin()
    page.goto("/auth/login")
    page.get_by_label("Adresse e-mail").fill("admin@example.fr")
    page.get_by_label("Mot de passe").fill("Correct-Horse-Battery-42!")
    page.get_by_role("button", name="Se connecter").last.click()
    page.wait_for_url("**/auth/totp/enroll")
    assert page.locator("svg.totp-qr").is_visible()
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer la double authentification").click()
    page.wait_for_url("**/auth/totp/recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    page.wait_for_url("**/admin")
    assert page.get_by_role("heading", name="Administration").is_visible()
    # The first thing a new admin may check: the activity log, filtered in place by htmx.
    page.goto("/admin/activity")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Action").select_option("totp.enrolled")
    page.wait_for_url("**/admin/activity?*action=totp.enrolled*")
    rows = page.locator("#activity-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "totp.enrolled" in rows.first.inner_text()
    assert page.evaluate("window.__sameDocument") is True
