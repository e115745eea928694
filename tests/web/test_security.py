"""Security baseline: headers, cookies, HTTPS, safe redirects, sessions after logout."""

import pytest

from tests.fixtures.http import HTMX


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_pages_contain_no_inline_script_or_handler(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html and "style=" not in html


@pytest.mark.settings(FORCE_HTTPS=True, FORCE_HSTS=True)
def test_http_is_redirected_to_https_and_hsts_sent(client):
    response = client.get("/auth/login")
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


@pytest.mark.settings(SESSION_COOKIE_SECURE=True)
def test_session_cookie_flags(client, auth):
    auth.create_client()
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_pages_behind_login_are_not_cached(client, auth):
    auth.create_client()
    auth.login()
    response = client.get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_expired_session_on_htmx_request_answers_hx_redirect(client):
    response = client.get("/account", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/auth/login")


@pytest.mark.parametrize(
    "target,allowed",
    [
        ("/account", True),
        ("/account?x=1", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("http://localhost/account", False),  # only a path: the host is never taken from outside
        ("/account?q=" + "x" * 1100, False),  # would overflow the session cookie
    ],
)
def test_login_next_only_to_this_site(client, auth, target, allowed):
    auth.create_client()
    response = auth.login(next=target)
    assert response.status_code == 303
    location = response.headers["Location"]
    if allowed:
        assert location == target
    else:
        assert location == "/account"


def test_cookie_copied_before_logout_no_longer_works(app, auth):
    auth.create_client()
    auth.login()
    copied = auth._client.get_cookie("ec_session").value
    assert auth._client.get("/account").status_code == 200
    auth.logout()
    other = app.test_client()
    other.set_cookie("ec_session", copied)
    response = other.get("/account")
    assert response.status_code == 302


def test_login_renews_the_session(client, auth):
    auth.create_client()
    client.get("/auth/login")
    before = client.get_cookie("ec_session").value
    auth.login()
    assert client.get_cookie("ec_session").value != before


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_refused(client, auth):
    auth.create_client()
    response = auth.login()
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_csrf_token_in_header_is_accepted(client, auth):
    from tests.fixtures.http import csrf_token_from

    auth.create_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"email": "client@example.fr", "password": "wrong"},
        headers={"X-CSRFToken": token, **HTMX},
    )
    assert response.status_code == 422


def test_static_files_of_a_logged_in_client_touch_no_database(client, auth, queries):
    auth.create_client()
    auth.login()
    client.get("/account")
    assert queries.count(lambda: client.get("/static/css/app.css").close()) == 0


# --- hosts: the portal answers for its own host only ----------------------------------------

PORTAL = "https://espace-client.example.fr"


def production_app(tmp_path, **extra):
    from app import create_app
    from settings import HASH_KEY_SETTINGS
    from tests.fixtures.config import TEST_FIELD_KEY, TEST_SECRET_KEY

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": TEST_SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": [TEST_FIELD_KEY],
        "MAIL_BASE_URL": PORTAL,
        **{name: f"{name.lower()}-0123456789abcdef" for name in HASH_KEY_SETTINGS},
        **extra,
    }
    return create_app(config)


@pytest.mark.parametrize("base_url", ["http://evil.example", "https://evil.example"])
def test_production_refuses_a_foreign_host(tmp_path, base_url):
    app = production_app(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["espace-client.example.fr"]
    response = app.test_client().get("/auth/login", base_url=base_url)
    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")


def test_production_redirects_its_own_host_to_https(tmp_path):
    response = (
        production_app(tmp_path)
        .test_client()
        .get("/auth/login?x=1", base_url=PORTAL.replace("https", "http"))
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"{PORTAL}/auth/login?x=1"


def test_trusted_hosts_can_be_set(tmp_path):
    app = production_app(tmp_path, TRUSTED_HOSTS=["espace-client.example.fr", "portail.example.fr"])
    response = app.test_client().get("/auth/login", base_url="http://portail.example.fr")
    assert response.status_code == 301
    assert app.test_client().get("/", base_url="http://evil.example").status_code == 400


@pytest.mark.settings(FORCE_HTTPS=True, MAIL_BASE_URL=PORTAL)
def test_https_redirect_is_built_from_the_configured_address(client):
    # Even where any host is accepted (tests, debug), the redirect never names the visitor's.
    response = client.get("/auth/login", base_url="http://evil.example")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{PORTAL}/auth/login"
    response = client.post("/langue", base_url="http://evil.example")
    assert response.status_code == 308 and response.headers["Location"] == f"{PORTAL}/langue"


@pytest.mark.parametrize("base_url", ["http://localhost", "http://127.0.0.1:5000"])
def test_debug_answers_on_the_developers_machine(tmp_path, base_url):
    app = production_app(tmp_path, DEBUG=True, MAIL_BASE_URL="http://127.0.0.1:5000")
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.test_client().get("/health", base_url=base_url).status_code in (200, 503)
