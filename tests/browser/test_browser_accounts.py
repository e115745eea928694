"""A person registers, follows the link of the verification mail, and logs in."""

import pytest

from tests.fixtures.accounts import LINK
from tests.fixtures.mail import deliver_outbox, eml_for, text_and_html

pytestmark = pytest.mark.browser

PASSWORD = "Un-Mot-De-Passe-Solide-2026!"


def test_register_verify_by_mail_then_log_in(page, app):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Créer un compte").click()
    page.wait_for_url("**/auth/register")
    page.get_by_label("Adresse e-mail").fill("claire.bernard@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    rules = page.locator("#password-rules")
    rules.get_by_text("une lettre majuscule").wait_for()  # the live check, debounced
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    rules.get_by_text("respecte la règle").wait_for()
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("Association").check()
    page.get_by_label("J'ai lu la politique de confidentialité").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/auth/login")
    page.get_by_text("Un e-mail vient d'être envoyé").wait_for()

    # The outbox row is delivered as `flask mail send` would, to an .eml by the file backend.
    deliver_outbox(app)
    (message,) = eml_for(app, "claire.bernard@example.fr")
    link = LINK.search(text_and_html(message)[0]).group()
    page.goto(link)
    page.get_by_text("Votre adresse e-mail est confirmée").wait_for()

    page.get_by_label("Adresse e-mail").fill("claire.bernard@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/account")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
