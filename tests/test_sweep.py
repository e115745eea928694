"""Suites generated from the URL map: every route is covered the day it is added."""

import pytest

from app import create_app
from tests.fixtures.config import TEST_SECRET_KEY

_app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET_KEY, "CAPTCHA_PROVIDER": "off"})
RULES = [r for r in _app.url_map.iter_rules() if r.endpoint != "static"]


def example_url(rule) -> str:
    values = {
        arg: 1 if rule._converters[arg].__class__.__name__ == "IntegerConverter" else "x"
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


GET_URLS = sorted({example_url(r) for r in RULES if "GET" in r.methods})
POST_URLS = sorted({example_url(r) for r in RULES if "POST" in r.methods})


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_get_never_fails(client, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 303, 404), (url, response.status_code)
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_htmx_get_never_fails(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code in (200, 204, 404), (url, response.status_code)


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("url", POST_URLS)
def test_every_post_needs_a_csrf_token(client, url):
    response = client.post(url, data={})
    assert response.status_code == 400, (url, response.status_code)
