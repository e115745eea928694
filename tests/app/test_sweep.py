"""Suites generated from the URL map: every route is covered the day it is added."""

import pytest

from tests.fixtures.url_map import url_rules


def rules():
    return url_rules(lambda r: r.endpoint != "static")


def example_url(rule) -> str:
    values = {
        arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x"
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def get_urls():
    return sorted({example_url(r) for r in rules() if "GET" in r.methods})


# POSTs without a CSRF token by design, each protected otherwise: a mail client's one-click
# unsubscribe (RFC 8058) carries a signed token in its URL and changes only a consent.
CSRF_EXEMPT = {"gdpr.unsubscribe_newsletter"}


def post_urls():
    return sorted(
        {example_url(r) for r in rules() if "POST" in r.methods and r.endpoint not in CSRF_EXEMPT}
    )


def test_a_csrf_exempt_post_still_needs_its_signed_token(client):
    response = client.post("/newsletter/unsubscribe/forged-token", data={})
    assert response.status_code == 404


@pytest.mark.from_url_map("url", get_urls)
def test_anonymous_get_never_fails(client, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 303, 404), (url, response.status_code)
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.from_url_map("url", get_urls)
def test_anonymous_htmx_get_never_fails(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code in (200, 204, 404), (url, response.status_code)


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
@pytest.mark.from_url_map("url", post_urls)
def test_every_post_needs_a_csrf_token(client, url):
    response = client.post(url, data={})
    assert response.status_code == 400, (url, response.status_code)
