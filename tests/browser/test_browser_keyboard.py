"""Keyboard-only journeys: no mouse click, only Tab, Shift+Tab, arrows, Space, Enter and Escape.

Each control is reached by pressing Tab until it has focus, which proves it is in the tab order
(and fails when focus is lost to <body> and the next Tab starts over elsewhere).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.fixtures.devices import client_id_of
from tests.fixtures.invoices import SELLER, make_issued
from tests.fixtures.users import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Un-Mot-De-Passe-Solide-2026!"
FOCUSED = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"


def focused(page, selector: str) -> bool:
    return page.evaluate(FOCUSED, selector)


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    active = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"{selector} never reached with Tab; focus on {active!r:.200}")


def wait_focus(page, selector: str) -> None:
    page.wait_for_function(
        "(selector) => !!document.activeElement && document.activeElement.matches(selector)",
        arg=selector,
    )


def open_file_dialog_by_keyboard(page):
    """Enter on the focused file field opens the system's file dialog; its chooser.

    Headless Chromium now and then lets a first key press go by without a dialog: a person
    would press again, so does this (three times at most).
    """
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=3_000) as chooser:
                page.keyboard.press("Enter")
            return chooser.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return None


def log_in_by_keyboard(page, email: str) -> None:
    page.goto("/auth/login")
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/" not in url)


def test_sign_up_with_the_keyboard_only(page):
    page.goto("/auth/register")
    tab_to(page, "#email")
    page.keyboard.type("clavier@example.fr")
    tab_to(page, "#password")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "#password_confirm")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "input[name=category]")
    page.keyboard.press("ArrowDown")  # a radio group moves with the arrows
    assert focused(page, "#category-1:checked")
    tab_to(page, "#accept_privacy")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/login")
    page.get_by_text("Un e-mail vient d'être envoyé").wait_for()


def test_in_place_editor_keeps_focus_on_open_escape_and_save(page, auth):
    auth.create_client(
        address_line1="12 rue des Palmiers",
        phone="+33612345678",
        city="Hyères",
        postcode="83400",
        country="FR",
    )
    log_in_by_keyboard(page, "client@example.fr")
    page.goto("/account/profile")
    tab_to(page, "#profile-contact [data-edit]")
    page.keyboard.press("Enter")
    # Opened: focus on the editor's first field, and Tab goes on through its fields.
    wait_focus(page, "#profile-contact[data-editor] form input:not([type=hidden])")
    page.keyboard.press("Tab")
    assert focused(page, "#profile-contact[data-editor] *")
    # Escape closes it and gives focus back to its "Modifier" link.
    page.keyboard.press("Escape")
    wait_focus(page, "#profile-contact:not([data-editor]) [data-edit]")
    # Open again, change the phone number, save with Enter: focus back on "Modifier".
    page.keyboard.press("Enter")
    wait_focus(page, "#profile-contact[data-editor] form input:not([type=hidden])")
    tab_to(page, "#phone", limit=10)
    page.keyboard.press("Control+A")
    page.keyboard.type("+44 20 7946 0958")
    tab_to(page, "#profile-contact button[type=submit]", limit=10)
    page.keyboard.press("Enter")
    page.locator("#profile-contact").get_by_text("Modifications enregistrées").wait_for()
    wait_focus(page, "#profile-contact:not([data-editor]) [data-edit]")
    assert "+44 20 7946 0958" in page.locator("#profile-contact").inner_text()


def test_ticket_with_an_attachment_by_keyboard(page, auth, tmp_path):
    auth.create_client()
    log_in_by_keyboard(page, "client@example.fr")
    page.goto("/tickets/new")
    tab_to(page, "#subject")
    page.keyboard.press("ArrowDown")  # a <select> changes with the arrows
    tab_to(page, "#title")
    page.keyboard.type("Imprimante hors ligne")
    tab_to(page, "#body")
    page.keyboard.type("Elle ne répond plus depuis hier.")
    tab_to(page, "#attachments")
    photo = tmp_path / "imprimante.png"
    photo.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082"
        )
    )
    open_file_dialog_by_keyboard(page).set_files(str(photo))
    tab_to(page, "#new-ticket-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tickets/*")
    page.get_by_role("heading", name="Imprimante hors ligne").wait_for()
    page.get_by_text("imprimante.png").first.wait_for()


def test_invoice_download_by_keyboard(page, app, auth):
    app.config.update(SELLER)
    client_id = client_id_of(app, auth.create_client())
    make_issued(app, client_id)
    log_in_by_keyboard(page, "client@example.fr")
    page.goto("/invoices")
    tab_to(page, "a[download][href*='pdf']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF")
