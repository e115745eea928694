"""Accessibility in a real browser: axe-core on every page of every role, keyboard-only journeys.

axe-core (the npm package, installed by ``make install`` when npm is there and by ``.ci/run``)
is injected into each page through the test browser's CSP bypass: the app's own CSP is never
loosened. Every HTML page the URL map serves to a visitor, a client and an admin is checked for
WCAG 2.1 A and AA; a phone-width screenshot of each is kept under ``.test-artifacts/screens/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.fixtures.browser import browser_required, log_in
from tests.fixtures.hostile import prepare
from tests.fixtures.url_map import url_rules

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / ".test-artifacts")) / "screens"
PHONE = {"width": 390, "height": 844}
# WCAG 2.1 A and AA, and axe's best practices (aria-allowed-role is one).
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Routes that answer a file, a redirect or a fragment only, never a page to read.
NOT_PAGES = re.compile(
    r"\.(csv|pdf|zip|json|xml|txt)$|/(download|export|attachments?|progress|logout|health|pdf|"
    r"facturx|zip|qr|preview-frame|check-password|check)(/|$)"
)

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => `${v.id} (${v.impact}): ` +
    v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}
"""


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        message = (
            f"navigateur : axe-core introuvable ({AXE}) : npm install --no-save axe-core@~4.14"
        )
        if browser_required():
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def axe_page(chromium, live_server, axe_source):
    """A phone-width page whose CSP is bypassed by the browser, so that axe can be injected."""
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", bypass_csp=True, viewport=PHONE
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.axe_source = axe_source
    yield page
    context.close()


def values_of(records: dict) -> dict:
    """URL arguments filled with the records made by ``prepare``."""
    return {
        "client_id": records["client"],
        "device_id": records["device"],
        "licence_id": records["licence"],
        "intervention_id": records["intervention"],
        "ticket_id": records["ticket"],
        "invoice_id": records["invoice"],
        "contract_id": records["contract"],
        "user_id": records["user"],
        "breach_id": records["breach"],
        "purpose_id": records["purpose"],
        "newsletter_id": records["newsletter"],
        "reply_id": records["reply"],
        "request_id": records["request"],
        "name": "contact",
        "token": "lien-invalide",
    }


def page_paths(values: dict, keep) -> list[str]:
    """The GET routes of the URL map that ``keep`` accepts, built with ``values``."""
    paths = []
    for rule in url_rules(
        lambda r: "GET" in r.methods and not r.rule.startswith("/static") and keep(r.rule)
    ):
        if any(a not in values for a in rule.arguments):
            continue
        path = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        if not NOT_PAGES.search(path):
            paths.append(path)
    return sorted(set(paths))


def axe_violations(page, path: str, role: str, seen: set) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on ``path`` (empty when it is not an HTML page)."""
    response = page.goto(path)
    if response is None or "text/html" not in (response.headers.get("content-type") or ""):
        return []
    if page.url in seen:
        return []
    seen.add(page.url)
    if page.locator("main").count() == 0:
        return []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", f"{role}{path}".lower()).strip("-")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(content=page.axe_source)
    return page.evaluate(RUN_AXE, WCAG)


def sweep(page, paths: list[str], role: str) -> dict:
    """axe's findings on each of ``paths``; a page reached twice (a redirect) is checked once."""
    found, seen = {}, set()
    for path in paths:
        violations = axe_violations(page, path, role, seen)
        if violations:
            found[path] = violations
    return found


def is_admin(rule: str) -> bool:
    return rule == "/admin" or rule.startswith("/admin/")


def test_every_public_page_passes_axe(app, client, axe_page):
    values = values_of(prepare(app, client, "anonymous"))
    paths = page_paths(values, lambda rule: not is_admin(rule))
    assert "/confidentialite" in paths and "/auth/register" in paths
    assert sweep(axe_page, paths, "anonymous") == {}


def test_every_client_page_passes_axe(app, client, axe_page):
    values = values_of(prepare(app, client, "anonymous"))
    log_in(axe_page, "client@example.fr")
    paths = page_paths(values, lambda rule: not is_admin(rule) and not rule.startswith("/auth/r"))
    assert {"/account", "/tickets", "/invoices"} <= set(paths)
    assert sweep(axe_page, paths, "client") == {}


def test_every_admin_page_passes_axe(app, client, auth, axe_page):
    values = values_of(prepare(app, client, "anonymous"))
    auth.create_admin(enrolled=True)
    log_in(axe_page, "admin@example.fr", totp=True)
    paths = page_paths(values, is_admin)
    assert {"/admin", "/admin/tickets", "/admin/clients"} <= set(paths)
    assert sweep(axe_page, paths, "admin") == {}
