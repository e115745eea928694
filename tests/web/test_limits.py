"""Abuse limits: per address and per account, memory and Redis storage, behind a proxy or not."""

from __future__ import annotations

import os

import pytest
import redis

from tests.fixtures.users import PASSWORD
from web import limits

# A Redis database index of its own (emptied by the tests): TEST_REDIS_URL picks another one.
REDIS_URI = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
# The counts of this test process only: the workers of pytest-xdist, and other suites using the
# same Redis, never see each other's.
KEY_PREFIX = f"espace-client-tests-{os.getpid()}"


def _storage(uri: str, name: str):
    settings = pytest.mark.settings(RATELIMIT_STORAGE_URI=uri, RATELIMIT_KEY_PREFIX=KEY_PREFIX)
    return pytest.param(uri, marks=settings, id=name)


def our_keys(connection) -> list:
    return connection.keys(f"*{KEY_PREFIX}*")


def forget_our_counts(connection) -> None:
    keys = our_keys(connection)
    if keys:
        connection.delete(*keys)


# The 429 is reached with each storage the limits may use.
storages = pytest.mark.parametrize(
    "storage", [_storage("memory://", "memory"), _storage(REDIS_URI, "redis")], indirect=True
)
limits_on = pytest.mark.settings(RATELIMIT_ENABLED=True)


@pytest.fixture
def storage(request):
    """The storage of the test's limits; this process's counts are emptied before and after."""
    if not request.param.startswith("redis://"):
        yield request.param
        return
    connection = redis.Redis.from_url(request.param)
    try:
        forget_our_counts(connection)
    except redis.ConnectionError:
        pytest.skip("Redis injoignable sur 127.0.0.1:6379")
    yield request.param
    forget_our_counts(connection)
    connection.close()


def post_login(client, email="client@example.fr", ip="203.0.113.7", **headers):
    return client.post(
        "/auth/login",
        data={"email": email, "password": "mauvais"},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers,
    )


@storages
@limits_on
@pytest.mark.settings(RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
def test_login_limit_per_address_answers_429_in_french(client, storage):

    statuses = [post_login(client, email=f"p{i}@example.fr").status_code for i in range(4)]
    assert statuses == [422, 422, 422, 429]
    response = post_login(client, email="autre@example.fr")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    other_address = post_login(client, ip="198.51.100.9")
    assert other_address.status_code == 422
    if storage.startswith("redis://"):
        assert our_keys(redis.Redis.from_url(storage))  # the counts live in Redis


@storages
@limits_on
@pytest.mark.settings(RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per hour")
def test_login_limit_per_account_whatever_the_case_from_one_address(client, storage):
    assert post_login(client, ip="203.0.113.1").status_code == 422
    assert post_login(client, email=" Client@Example.FR", ip="203.0.113.1").status_code == 422
    response = post_login(client, ip="203.0.113.1")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 60  # the real window: up to an hour
    assert post_login(client, email="autre@example.fr", ip="203.0.113.1").status_code == 422
    # Counted per account *and* address: tries from elsewhere never use up the owner's.
    assert post_login(client, ip="203.0.113.2").status_code == 422


@limits_on
@pytest.mark.settings(RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
def test_showing_the_form_does_not_count(client):
    for _ in range(5):
        assert client.get("/auth/login").status_code == 200
    assert post_login(client).status_code == 422


@limits_on
@pytest.mark.settings(
    RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute", PROXY_FIX_X_FOR=0
)
def test_without_proxy_a_forged_forwarded_for_does_not_escape(client):
    statuses = [
        post_login(client, email=f"p{i}@example.fr", **{"X-Forwarded-For": f"10.0.0.{i}"})
        for i in range(3)
    ]
    assert [r.status_code for r in statuses] == [422, 422, 429]


@limits_on
@pytest.mark.settings(
    RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute", PROXY_FIX_X_FOR=1
)
def test_behind_one_proxy_the_forwarded_address_is_the_key(client):
    proxy = "192.0.2.1"
    for i in range(3):  # three visitors through the same proxy
        response = post_login(
            client, email=f"p{i}@example.fr", ip=proxy, **{"X-Forwarded-For": f"10.0.0.{i}"}
        )
        assert response.status_code == 422
    same_visitor = [
        post_login(client, email=f"q{i}@example.fr", ip=proxy, **{"X-Forwarded-For": "10.0.0.1"})
        for i in range(2)
    ]
    assert [r.status_code for r in same_visitor] == [422, 429]


@limits_on
@pytest.mark.settings(RATELIMIT_LOGIN="1 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
def test_limit_applies_even_to_the_right_password(client, auth):
    auth.create_client()
    post_login(client)
    response = client.post(
        "/auth/login",
        data={"email": "client@example.fr", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 429


@limits_on
@pytest.mark.settings(RATELIMIT_LOGIN="1 per minute")
def test_limited_429_is_an_htmx_fragment_for_htmx(client):

    post_login(client)
    response = post_login(client, **{"HX-Request": "true"})
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#messages"
    assert "Retry-After" in response.headers


def test_every_limit_is_attached(app):
    attached = app.extensions["abuse_limits"]
    assert sorted(attached) == sorted(spec.endpoint for spec in limits.LIMITS)
    assert "auth.change_password" in attached


def test_a_limit_on_a_missing_endpoint_stops_the_start_up(app, monkeypatch):
    from app import create_app

    renamed = limits.EndpointLimits("auth.renamed_view", "RATELIMIT_LOGIN")
    monkeypatch.setattr(limits, "LIMITS", (*limits.LIMITS, renamed))
    with pytest.raises(limits.UnknownEndpointError, match=r"auth\.renamed_view"):
        create_app(dict(app.config, INSTANCE_PATH=app.instance_path))


def test_each_app_has_its_own_limiter_and_limits(app):
    from flask_limiter.util import get_qualified_name

    from app import create_app

    other = create_app(dict(app.config, INSTANCE_PATH=app.instance_path, RATELIMIT_ENABLED=True))
    assert limits.limiter_of(other) is not limits.limiter_of(app)
    assert (limits.limiter_of(app).enabled, limits.limiter_of(other).enabled) == (False, True)
    login_view = get_qualified_name(app.view_functions["auth.login"])
    for each in (app, other):
        with each.app_context():
            found = limits.limiter_of(each).limit_manager.decorated_limits(login_view)
        assert len(found) == 4  # two windows, per address and per account


def test_limits_off_by_configuration(client):
    for _ in range(15):
        assert post_login(client).status_code == 422


@limits_on
@pytest.mark.settings(RATELIMIT_TOTP="100 per minute", RATELIMIT_TOTP_ACCOUNT="2 per minute")
def test_totp_step_is_limited_per_user_of_the_session(app, client, totp_auth):
    totp_auth.create_admin()
    response = client.post(
        "/auth/login", data={"email": "admin@example.fr", "password": "Correct-Horse-Battery-42!"}
    )
    assert response.headers["Location"].endswith("/auth/totp")
    statuses = [
        client.post(
            "/auth/totp", data={"code": "000000"}, environ_base={"REMOTE_ADDR": f"203.0.113.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert statuses[2] == 429 and 429 not in statuses[:2]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("client@example.fr", "  Client@EXAMPLE.fr ", True),
        ("client@example.fr", "autre@example.fr", False),
    ],
)
def test_account_key_is_the_canonical_address_hashed(app, first, second, same):
    keys = []
    for email in (first, second):
        with app.test_request_context(method="POST", data={"email": email}):
            keys.append(limits.account_key())
    assert (keys[0] == keys[1]) is same
    assert "example" not in keys[0]


def test_no_address_no_account_key(app):
    with app.test_request_context(method="POST", data={}):
        assert limits.account_key() == ""


@limits_on
@pytest.mark.settings(RATELIMIT_SECURITY="100 per minute", RATELIMIT_SECURITY_ACCOUNT="3 per hour")
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/auth/security/password", {"current_password": "faux", "password": "x"}),
        ("/auth/security/email", {"current_password": "faux", "new_email": "n@example.fr"}),
    ],
)
def test_security_forms_limit_guesses_of_the_current_password(client, auth, url, data):
    auth.create_client()
    auth.login()
    statuses = [
        client.post(url, data=data, environ_base={"REMOTE_ADDR": f"203.0.113.{i}"}).status_code
        for i in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
