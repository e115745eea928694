"""Redirect targets (``next``): only a path of this site, through every route that takes one."""

from __future__ import annotations

import html
import inspect
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_wtf import FlaskForm

from app import create_app
from models import db
from models.user import User
from services.crypto import decrypt
from tests.fixtures.config import TEST_SECRET_KEY
from tests.fixtures.http import csrf_token_from
from tests.fixtures.totp import ADMIN_EMAIL, TEST_TOTP_SECRET, code_for, fresh_code
from tests.fixtures.users import PASSWORD, make_user
from web.security import is_safe_redirect_target

NEW_ADMIN = "new-admin@example.fr"

# Known ways around a naive check: browsers strip tabs and newlines, read "\" as "/", resolve
# "https:host" to another site, and a server on the way may decode percent-escapes once more.
BYPASSES = [
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:evil.com",
    "https:///evil.example",
    "https://evil.example/account",
    "HTTPS://evil.example",
    "//localhost@evil.example",
    "/%2F%2Fevil.example",
    "/%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%255Cevil.example",  # encoded twice
    "%09//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\r\n//evil.example",
    " //evil.example",
    "/%0A/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\x00/evil.example",
    "\x00//evil.example",
    "/\u202e//evil.example",  # bidirectional override
    "/\u200b/evil.example",  # zero-width space
    "//ⓔvil.example",  # IDN: enclosed letter, read as "evil.example"
    "//еvil.example",  # IDN: Cyrillic "е"
    "//xn--vil-8cd.example",
    "/／evil.example",  # full-width solidus
    "/%EF%BC%8Fevil.example",  # the same, percent-encoded
    "evil.example",
    "@evil.example",
    "",
]


def is_same_site(location: str) -> bool:
    """A Location a browser resolves on this site: a path, not one that names another host."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return cleaned.startswith("/") and not cleaned.startswith("//") and not urlsplit(cleaned).netloc


def test_the_corpus_is_refused_by_the_helper():
    assert len(BYPASSES) >= 20
    assert [t for t in BYPASSES if is_safe_redirect_target(t)] == []


@pytest.mark.parametrize(
    "target", ["/account", "/account?x=1", "/admin/clients?q=H%C3%A9l%C3%A8ne", "/a:b"]
)
def test_paths_of_this_site_are_kept(target):
    assert is_safe_redirect_target(target)


# --- every route that takes a next ---------------------------------------------------------


def _login(app, client, ids, target):
    data = {"email": "client@example.fr", "password": PASSWORD, "next": target}
    return client.post("/auth/login", data=data)


def _login_then_code(app, client, ids, target):
    data = {"email": ADMIN_EMAIL, "password": PASSWORD, "next": target}
    assert client.post("/auth/login", data=data).headers["Location"] == "/auth/totp"
    return client.post("/auth/totp", data={"code": fresh_code(app, ids["admin"], TEST_TOTP_SECRET)})


def _login_then_enrolment(app, client, ids, target):
    """An admin without TOTP: password, enrolment, then the link after the recovery codes."""
    data = {"email": NEW_ADMIN, "password": PASSWORD, "next": target}
    assert client.post("/auth/login", data=data).headers["Location"] == "/auth/totp/enroll"
    client.get("/auth/totp/enroll")
    with client.session_transaction() as session, app.app_context():
        secret = decrypt(session["totp_new_secret"])
    client.post("/auth/totp/enroll", data={"code": code_for(secret)})
    page = client.get("/auth/totp/recovery-codes").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]*)"', page)
    client.post("/auth/logout")
    _forget_enrolment(app, ids["new_admin"])
    return _Link(html.unescape(link.group(1)) if link else "")


class _Link:
    """The continue link of the recovery-codes page, read as a redirect's Location."""

    def __init__(self, location: str):
        self.status_code = 303
        self.headers = {"Location": location}


def _forget_enrolment(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        user.totp_secret_encrypted = user.totp_enabled_at = user.totp_last_step = None
        db.session.commit()


def _confirm_password(app, client, ids, target):
    # The target comes in the query string of the page, then in the form's hidden field.
    page = client.get("/auth/totp/confirm-password", query_string={"next": target})
    assert page.status_code == 200
    return client.post("/auth/totp/confirm-password", data={"password": PASSWORD, "next": target})


def _language(app, client, ids, target):
    return client.post("/langue", data={"locale": "fr", "next": target})


# endpoint that reads next -> (how to drive it, where it goes for a refused target)
ROUTES = {
    "auth.login": (_login, "/account"),
    "auth.totp_verify": (_login_then_code, "/admin"),
    "auth.totp_enroll": (_login_then_enrolment, "/admin"),
    "auth.totp_confirm_password": (_confirm_password, "/auth/totp/enroll"),
    "public.set_language": (_language, "/"),
}


@pytest.fixture
def ids(app, auth, totp_auth):
    """A client, an admin with TOTP and an admin who has not enrolled yet."""
    return {
        "client": auth.create_client(),
        "admin": totp_auth.create_admin(),
        "new_admin": make_user(app, email=NEW_ADMIN, role="admin"),
    }


# A whole enrolment per target is slow: every third one of the corpus there.
ENROLMENT_SAMPLE = BYPASSES[::3]
GOOD_TARGET = "/account?x=1"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_every_route_taking_next_refuses_every_bypass(app, client, auth, ids, endpoint):
    drive, fallback = ROUTES[endpoint]
    if endpoint in ("auth.totp_confirm_password", "public.set_language"):
        auth.login()  # routes of a logged-in client
    corpus = ENROLMENT_SAMPLE if endpoint == "auth.totp_enroll" else BYPASSES
    wrong = {}
    for target in [*corpus, GOOD_TARGET]:
        response = drive(app, client, ids, target)
        location = response.headers.get("Location", "")
        expected = GOOD_TARGET if target == GOOD_TARGET else fallback
        if response.status_code != 303 or location != expected or not is_same_site(location):
            wrong[target] = (response.status_code, location)
    assert wrong == {}


NEXT_IN_SOURCE = re.compile(r"""["']next["']|\bnext\s*=""")


def _forms_with_next() -> set[str]:
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {
        form.__name__ for form in subclasses(FlaskForm) if "next" in dict(inspect.getmembers(form))
    }


def test_every_view_that_reads_next_is_in_the_corpus_test():
    """A new route reading ``next`` (an argument, a field, a form with a ``next`` field) fails
    here until it is added to ``ROUTES``."""
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET_KEY, "CAPTCHA_PROVIDER": "off"})
    forms = _forms_with_next()
    assert forms, "no form with a next field found: the scan is broken"
    readers = set()
    for endpoint, view in app.view_functions.items():
        source = inspect.getsource(inspect.unwrap(view))
        if NEXT_IN_SOURCE.search(source) or any(re.search(rf"\b{f}\b", source) for f in forms):
            readers.add(endpoint)
    assert readers, "no view reads next: the scan is broken"
    assert readers <= set(ROUTES), readers - set(ROUTES)


# --- next values carry no lone "?" ----------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "expected"), [("/admin", "/admin"), ("/account?x=1", "/account?x=1")]
)
def test_login_redirect_keeps_the_page_without_a_lone_question_mark(client, page, expected):
    response = client.get(page)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["next"] == [expected]


@pytest.mark.parametrize(
    ("page", "expected"), [("/", "/"), ("/confidentialite?x=1", "/confidentialite?x=1")]
)
def test_language_form_comes_back_without_a_lone_question_mark(client, page, expected):
    html = client.get(page).get_data(as_text=True)
    assert f'name="next" value="{expected}"' in html
    assert (
        'value="/?"' not in html and '?"' not in re.findall(r'name="next" value="[^"]*"', html)[0]
    )


def test_language_form_next_is_followed(client):
    token = csrf_token_from(client.get("/confidentialite").get_data(as_text=True))
    response = client.post(
        "/langue", data={"locale": "en", "next": "/confidentialite", "csrf_token": token}
    )
    assert response.headers["Location"] == "/confidentialite"
