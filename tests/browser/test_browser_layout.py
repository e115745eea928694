"""The layout on a phone: no sideways scrolling, every control labelled, one main and one h1.

The label check is a small axe-like rule run in the page: a visible form control needs a
non-empty <label>, aria-label or aria-labelledby, and what aria-describedby names must exist.
"""

from __future__ import annotations

import pytest

from tests.fixtures.browser import log_in
from tests.fixtures.devices import add_device, add_intervention, add_licence, client_id_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Run in the page; returns a list of problems (an empty list is a pass).
LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const text = (id) => { const el = document.getElementById(id); return el ? el.textContent.trim() : ""; };
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [...document.querySelectorAll("body *")].find(
      (el) => el.getBoundingClientRect().right > window.innerWidth + 0.5);
    problems.push(`overflow ${root.scrollWidth} > ${window.innerWidth}: ${wide ? wide.outerHTML.slice(0, 120) : "?"}`);
  }
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    const labelled = [...(el.labels || [])].some((label) => label.textContent.trim())
      || (el.getAttribute("aria-label") || "").trim()
      || (ids.length && ids.every((id) => text(id)));
    if (!labelled) problems.push("no label: " + el.outerHTML.slice(0, 120));
    for (const id of (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`aria-describedby names no element: ${id}`);
    }
  }
  const mains = document.querySelectorAll("main").length;
  const h1s = document.querySelectorAll("h1").length;
  if (mains !== 1) problems.push(`${mains} <main>`);
  if (h1s !== 1) problems.push(`${h1s} <h1>`);
  if (!root.lang) problems.push("no lang on <html>");
  if (!document.title.trim()) problems.push("no <title>");
  return problems;
}
"""


def assert_layout(page, paths):
    """Visit each path and collect every layout problem, so one run shows them all."""
    found = {}
    for path in paths:
        page.goto(path)
        problems = page.evaluate(LAYOUT_PROBLEMS)
        if problems:
            found[path] = problems
    assert found == {}


def test_public_pages_fit_a_phone_and_label_their_fields(page):
    page.set_viewport_size(PHONE)
    assert_layout(page, ["/", "/auth/login", "/auth/register", "/auth/reset", "/confidentialite"])
    # The first Tab shows the skip link on screen.
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0
    # The language switcher is one button per language, named in its own language.
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("footer [aria-current=true]").get_attribute("lang") == "en"


def test_client_pages_fit_a_phone_and_label_their_fields(page, app, auth):
    client_id = client_id_of(app, auth.create_client())
    device_id = add_device(app, client_id, name="PC du bureau", serial="SN-4242")
    add_licence(app, client_id, device_id=device_id)
    intervention_id = add_intervention(app, client_id, device_ids=[device_id])
    page.set_viewport_size(PHONE)
    log_in(page, "client@example.fr")
    assert_layout(
        page,
        [
            "/account",
            "/account/profile",
            "/account/profile/contact/edit",
            "/account/devices",
            "/account/devices/new",
            "/account/licences",
            "/account/interventions",
            f"/account/interventions/{intervention_id}",
            "/auth/security",
        ],
    )


def test_admin_pages_fit_a_phone_and_label_their_fields(page, app, auth):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id)
    add_intervention(app, client_id)
    auth.create_admin(enrolled=True)
    page.set_viewport_size(PHONE)
    log_in(page, "admin@example.fr", totp=True)
    assert_layout(
        page,
        [
            "/admin",
            "/admin/clients",
            f"/admin/clients/{client_id}",
            f"/admin/clients/{client_id}/devices",
            f"/admin/clients/{client_id}/interventions/new",
            "/admin/interventions",
            "/admin/users",
            "/admin/activity",
            "/auth/security",
        ],
    )


def test_phone_menu_folds_and_the_logout_stays_visible(page, auth):
    auth.create_client()
    page.set_viewport_size(PHONE)
    log_in(page, "client@example.fr")
    page.goto("/account/devices")
    nav = page.get_by_role("navigation", name="Navigation principale")
    logout = page.get_by_role("button", name="Se déconnecter")
    assert logout.is_visible()
    assert not nav.get_by_role("link", name="Mon profil").is_visible()
    menu = page.locator("summary", has_text="Menu")
    menu.click()
    current = nav.locator("[aria-current=page]")
    assert current.inner_text() == "Mes équipements"
    page.keyboard.press("Escape")  # focus is on the menu button: Escape folds the menu
    assert not nav.get_by_role("link", name="Mon profil").is_visible()
    menu.click()
    nav.get_by_role("link", name="Mon profil").click()
    page.wait_for_url("**/account/profile")
    # The page loaded by the menu starts with the menu folded again.
    assert not nav.get_by_role("link", name="Tableau de bord").is_visible()
    # On a computer the whole menu is shown, with no button to unfold it.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert nav.get_by_role("link", name="Tableau de bord").is_visible()
    assert not page.locator("summary", has_text="Menu").is_visible()


DESKTOP = {"width": 1280, "height": 800}

# Cells of the admin interventions table whose text runs on more than one line (the list of
# devices, marked may-wrap, is the column allowed to).
WRAPPED_CELLS = """
() => [...document.querySelectorAll("#intervention-rows td:not(.may-wrap)")].filter((td) => {
  const range = document.createRange();
  range.selectNodeContents(td);
  // A badge's box starts a few pixels above the text beside it: a new line is a line-height lower.
  const tops = [...range.getClientRects()].map((r) => r.top);
  return tops.length > 0 && Math.max(...tops) - Math.min(...tops) > 12;
}).map((td) => td.getAttribute("data-label") + ": " + td.textContent.trim())
"""


def test_admin_interventions_table_keeps_dates_and_names_on_one_line_at_1280(page, app, auth):
    from commands.demo import load_demo_data

    with app.app_context():
        load_demo_data()
    auth.create_admin(enrolled=True)
    page.set_viewport_size(DESKTOP)
    log_in(page, "admin@example.fr", totp=True)
    page.goto("/admin/interventions")
    assert page.locator("#intervention-rows tr").count() >= 12
    assert page.evaluate(WRAPPED_CELLS) == []
