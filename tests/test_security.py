"""Security baseline: headers, cookies, HTTPS, safe redirects, sessions after logout."""

import pytest

from tests.conftest import HTMX


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
        ("http://localhost/account", True),
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
    from tests.conftest import csrf_token_from

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
