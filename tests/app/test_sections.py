"""No text promises a section of the portal whose page does not exist.

Every page a visitor, a client and an admin can reach by following links (on the demo data,
in French and in English) and every mail template is read; a section of
``web.navigation.SECTIONS`` whose route is missing must not be named there.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from jinja2 import ChainableUndefined

from commands.demo import DEMO_PASSWORD, load_demo_data
from tests.fixtures.config import ROOT
from web.navigation import SECTIONS, offered_sections_text, section_exists

MAIL_TEMPLATES = sorted(p.name for p in (ROOT / "templates" / "mail").glob("[!_]*.*"))
# The privacy page describes the whole policy (invoices, contracts...): it may name them, but
# gives no instruction that needs a missing page.
POLICY_PAGES = {"/confidentialite"}
INSTRUCTIONS = ("ouvrez un ticket", "formulaire de ticket", "champ « sujet »", "open a ticket")
# The ticket form's "Sujet" list names what a client may ask about (billing, a contract): topics
# of a request, not pages; the form may name them before their sections exist, and so may the
# admins' queue, which filters on the same list.
SUBJECT_PAGES = {"/tickets/new", "/admin/tickets"}
MAX_PAGES = 150


def visible_text(markup: str) -> str:
    """The words of a page as read: tags, scripts and styles removed, entities decoded."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup)).lower()


def missing_sections_named(app, text: str) -> list[str]:
    """``section: word`` for each missing section that ``text`` names."""
    with app.app_context():
        missing = [s for s in SECTIONS if not section_exists(s)]
    return [f"{s.name}: {w}" for s in missing for w in s.words if re.search(rf"\b{w}", text)]


def crawl(client, start: str, language: str) -> dict[str, str]:
    """Every same-site page reachable from ``start`` by links: {path: visible text}."""
    seen: dict[str, str] = {}
    queue = [start]
    headers = {"Accept-Language": language}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url, headers=headers)
        body = response.get_data()  # read to the end: a streamed export closes its request
        response.close()
        assert response.status_code < 400, (url, response.status_code)
        if response.status_code in (301, 302, 303):
            seen[url] = ""
            queue.append(urlsplit(response.headers["Location"]).path)
            continue
        if response.mimetype != "text/html":  # the icon, robots.txt: no words to read
            seen[url] = ""
            continue
        page = body.decode()
        seen[url] = page
        for href in re.findall(r'href="([^"]+)"', page):
            href = urldefrag(html.unescape(href))[0]
            # One visit per path: filters and pages of a list show the same words.
            if href.startswith("/") and not href.startswith(("//", "/static/")):
                queue.append(urlsplit(href).path)
    return seen


def tickets_exist(app) -> bool:
    with app.app_context():
        return section_exists(next(s for s in SECTIONS if s.name == "tickets"))


def assert_names_no_missing_section(app, pages: dict[str, str]) -> None:
    problems = []
    for url, page in pages.items():
        text = visible_text(page)
        path = urlsplit(url).path
        if path in POLICY_PAGES or path in SUBJECT_PAGES:
            if not tickets_exist(app):
                problems += [f"{url}: {i}" for i in INSTRUCTIONS if i in text]
        else:
            problems += [f"{url}: {p}" for p in missing_sections_named(app, text)]
    assert not problems, problems


@pytest.fixture
def demo(app):
    with app.app_context():
        return load_demo_data()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_name_no_missing_section(app, client, language):
    pages = crawl(client, "/", language)
    assert "/confidentialite" in pages and "/auth/register" in pages
    assert_names_no_missing_section(app, pages)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_client_pages_name_no_missing_section(app, client, auth, demo, language):
    auth.login(demo["clients"][0], DEMO_PASSWORD)
    pages = crawl(client, "/", language)
    assert any("/interventions/" in url for url in pages), sorted(pages)
    assert_names_no_missing_section(app, pages)


def test_admin_pages_name_no_missing_section(app, client, auth, demo):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    pages = crawl(client, "/", "fr")
    assert any(url.startswith("/admin/clients/") for url in pages), sorted(pages)
    assert_names_no_missing_section(app, pages)


@pytest.mark.parametrize("name", MAIL_TEMPLATES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_mail_templates_name_no_missing_section(app, name, language):
    from flask import render_template

    from services.i18n import force_locale
    from services.mail import _layout_context

    app.jinja_env.undefined = ChainableUndefined  # any value the mail expects renders empty
    with app.test_request_context("/"), force_locale(language):
        text = render_template(f"mail/{name}", **_layout_context(app.config))
    assert missing_sections_named(app, visible_text(text)) == []


def test_a_missing_section_is_caught(app):
    """The check itself: a text naming contracts fails once the contracts route is missing."""
    assert missing_sections_named(app, "vos contrats en cours") == []
    app.view_functions.pop("contracts.account_contracts")
    assert missing_sections_named(app, "vos contrats en cours") == ["contracts: contrat"]
    assert missing_sections_named(app, "vos factures en ligne") == []
    assert missing_sections_named(app, "ouvrez un ticket") == []


def test_texts_list_only_sections_that_exist(app):
    with app.test_request_context("/"):
        assert offered_sections_text() == (
            "vos interventions, vos équipements, vos demandes d'assistance, vos contrats "
            "et vos factures"
        )
        app.view_functions.pop("devices.account_devices")
        assert offered_sections_text() == (
            "vos interventions, vos demandes d'assistance, vos contrats et vos factures"
        )
