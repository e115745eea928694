"""Every page answers the same with and without a trailing slash (``/admin/`` as ``/admin``)."""

from __future__ import annotations

import pytest

from tests.fixtures.devices import add_device, client_id_of


def get_pages(app) -> list[str]:
    """The URL of every GET rule without arguments, except the site root."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.rule != "/"
    )


def fetch(client, url: str):
    """The response to a GET of ``url``, its body read (a streamed CSV holds its request open)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def assert_same_with_a_trailing_slash(client, url: str) -> None:
    """``url + "/"`` is a 308 to ``url``, which answers as it does when asked directly."""
    direct = fetch(client, url)
    slashed = fetch(client, url + "/")
    assert (slashed.status_code, slashed.headers.get("Location")) == (308, url), url
    followed = fetch(client, slashed.headers["Location"])
    assert followed.status_code == direct.status_code, url
    assert followed.headers.get("Location") == direct.headers.get("Location"), url


def test_every_page_with_a_trailing_slash_is_the_page_anonymous(app, client):
    pages = get_pages(app)
    assert {"/admin", "/account", "/admin/clients", "/auth/login"} <= set(pages)
    for url in pages:
        assert_same_with_a_trailing_slash(client, url)


@pytest.mark.parametrize("role", ["client", "admin"])
def test_every_page_with_a_trailing_slash_is_the_page_logged_in(app, client, auth, role):
    if role == "admin":
        auth.create_admin(enrolled=True)
        auth.login(email="admin@example.fr", totp=True)
    else:
        auth.create_client()
        auth.login()
    for url in get_pages(app):
        if url.endswith("/logout"):
            continue
        assert_same_with_a_trailing_slash(client, url)
    assert (
        client.get("/admin/" if role == "admin" else "/account/", follow_redirects=True).status_code
        == 200
    )


def test_the_query_string_and_the_arguments_are_kept(app, client, auth):
    client_id = client_id_of(app, auth.create_client())
    device_id = add_device(app, client_id)
    auth.login()
    response = client.get(f"/account/devices/{device_id}/?device_id=999&x=%C3%A9&x=2")
    assert response.status_code == 308
    assert response.headers["Location"].startswith(f"/account/devices/{device_id}?")
    assert "device_id=999" not in response.headers["Location"]
    assert "x=%C3%A9&x=2" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("post", "/auth/login/", 404),  # a form is never sent to another address than its own
        ("get", "/nowhere/", 404),
        ("get", "//evil.example/", 404),
        ("get", "/admin//", 308),
    ],
)
def test_only_a_get_of_an_existing_page_is_redirected(client, method, path, status):
    # PATH_INFO as a server would pass it: the test client reads "//host/" as another host.
    response = client.open("/", method=method, environ_overrides={"PATH_INFO": path})
    assert response.status_code == status, path
    if status == 308:
        assert response.headers["Location"] == "/admin"
