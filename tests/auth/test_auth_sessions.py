"""Session lifetime: idle timeout by role, absolute lifetime from login."""

import time

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from web.sessions import LOGIN_AT, SEEN_AT

MINUTE = 60


def age_session(client, login_ago: float, seen_ago: float) -> None:
    now = time.time()
    with client.session_transaction() as session:
        session[LOGIN_AT] = int(now - login_ago)
        session[SEEN_AT] = int(now - seen_ago)


@pytest.mark.parametrize(
    "seen_ago,still_open",
    [(59 * MINUTE, True), (61 * MINUTE, False)],
    ids=["59-minutes-idle", "61-minutes-idle"],
)
def test_client_idle_timeout(app, client, auth, seen_ago, still_open):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=seen_ago, seen_ago=seen_ago)
    response = client.get("/account")
    assert (response.status_code == 200) is still_open
    if not still_open:
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.settings(IDLE_TIMEOUT_CLIENT_MINUTES=5)
def test_client_idle_timeout_is_configurable(client, auth):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=6 * MINUTE, seen_ago=6 * MINUTE)
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "seen_ago,still_open",
    [(29 * MINUTE, True), (31 * MINUTE, False)],
    ids=["29-minutes-idle", "31-minutes-idle"],
)
def test_admin_idle_timeout_is_30_minutes(admin_client, seen_ago, still_open):
    age_session(admin_client, login_ago=seen_ago, seen_ago=seen_ago)
    response = admin_client.get("/admin/users")
    assert (response.status_code == 200) is still_open


@pytest.mark.parametrize(
    "login_ago,still_open",
    [(11.9 * 60 * MINUTE, True), (12.1 * 60 * MINUTE, False)],
    ids=["11.9-hours", "12.1-hours"],
)
def test_absolute_lifetime_counts_from_login(client, auth, login_ago, still_open):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=login_ago, seen_ago=MINUTE)  # active all along
    assert (client.get("/account").status_code == 200) is still_open


def test_expired_session_is_logged_and_stays_closed(app, client, auth):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=2 * 60 * MINUTE, seen_ago=2 * 60 * MINUTE)
    client.get("/account")
    assert client.get("/account").status_code == 302
    with app.app_context():
        detail = db.session.scalar(
            sa.select(ActivityLog.detail).where(ActivityLog.action == "auth.session_expired")
        )
    assert detail == "reason=idle"


def test_activity_keeps_the_session_open(client, auth):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=50 * MINUTE, seen_ago=50 * MINUTE)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 5


def test_expired_session_on_htmx_request_gets_hx_redirect(client, auth, htmx):
    auth.create_client()
    auth.login()
    age_session(client, login_ago=2 * 60 * MINUTE, seen_ago=2 * 60 * MINUTE)
    response = client.get("/account", headers=htmx)
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_a_page_seen_again_within_a_minute_sends_no_new_cookie(client, auth):
    auth.create_client()
    auth.login()
    client.get("/account")
    again = client.get("/account")
    assert "Set-Cookie" not in again.headers
