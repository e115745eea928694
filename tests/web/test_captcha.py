"""CAPTCHA on login (registration calls the same function): reCAPTCHA with consent, ALTCHA."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime, timedelta

import altcha
import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.captcha import SpentCaptchaChallenge
from tests.fixtures.captcha import (
    RECAPTCHA_TEST_SECRET,
    RECAPTCHA_TEST_SITE_KEY,
    SiteVerifyServer,
    iso_utc,
    solve_altcha,
)
from tests.fixtures.config import TEST_FIELD_KEY, TEST_SECRET_KEY
from tests.fixtures.database import count_rows
from tests.fixtures.users import PASSWORD
from web import captcha

EMAIL = "client@example.fr"
GOOGLE = "https://www.google.com/recaptcha/"


def choose(client, choice: str):
    """Answer the reCAPTCHA notice as the page's buttons do."""
    return client.post("/auth/captcha/consent", data={"choice": choice})


def login(client, **extra):
    return client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD, **extra})


def captcha_failures(app) -> list[str]:
    """The ``detail`` of every refused CAPTCHA in the activity log, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ActivityLog.detail)
                .where(ActivityLog.action == "auth.captcha", ActivityLog.outcome == "failure")
                .order_by(ActivityLog.id)
            )
        )


def assert_refused(app, response, message: str, reason: str):
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'value="{EMAIL}"' in page  # what was typed is kept...
    assert PASSWORD not in page  # ...but never the password
    assert captcha_failures(app) == [f"action=login reason={reason}"]


# --- reCAPTCHA v3 ---------------------------------------------------------------------------


def test_recaptcha_accepted_opens_the_session(app, client, auth, recaptcha):
    auth.create_client()
    choose(client, "accept")
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account")
    assert recaptcha.posts == [
        {"secret": RECAPTCHA_TEST_SECRET, "response": "token-abc", "remoteip": "127.0.0.1"}
    ]
    assert captcha_failures(app) == []


# Replies are made when the test runs: one made at collection would be stale by then.
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (lambda: SiteVerifyServer.good_reply(score=0.3), "score"),
        (lambda: SiteVerifyServer.good_reply(score=None), "score"),
        (lambda: SiteVerifyServer.good_reply(action="register"), "action"),
        (lambda: SiteVerifyServer.good_reply(hostname="phishing.example"), "hostname"),
        (
            lambda: SiteVerifyServer.good_reply(
                challenge_ts=iso_utc(datetime.now(UTC) - timedelta(minutes=5))
            ),
            "stale",
        ),
        (
            lambda: {"success": False, "error-codes": ["timeout-or-duplicate"]},
            "rejected:timeout-or-duplicate",
        ),
    ],
    ids=["low-score", "no-score", "wrong-action", "wrong-hostname", "stale", "success-false"],
)
def test_recaptcha_refused_with_message_and_log(app, client, auth, recaptcha, reply, reason):
    auth.create_client()
    choose(client, "accept")
    recaptcha.reply = reply()
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    message = "a expiré" if reason == "stale" else "La vérification anti-robot a échoué"
    assert_refused(app, response, message, reason)
    assert client.get("/account").status_code == 302  # no session was opened


def test_recaptcha_unreachable_verify_server_fails_closed(
    app, client, auth, recaptcha, closed_port_url
):
    auth.create_client()
    app.config["RECAPTCHA_VERIFY_URL"] = closed_port_url
    choose(client, "accept")
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    assert_refused(app, response, "Service de vérification indisponible, réessayez", "unavailable")


def test_recaptcha_malformed_verify_answer_fails_closed(app, client, auth, recaptcha):
    auth.create_client()
    recaptcha.reply = b"<html>erreur</html>"
    choose(client, "accept")
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    assert_refused(app, response, "Service de vérification indisponible, réessayez", "unavailable")


def test_recaptcha_expected_hostname_from_settings(app, client, auth, recaptcha):
    auth.create_client()
    app.config["RECAPTCHA_EXPECTED_HOSTNAME"] = "espace.example.fr"
    recaptcha.reply = SiteVerifyServer.good_reply(hostname="espace.example.fr")
    choose(client, "accept")
    assert login(client, **{"g-recaptcha-response": "t"}).status_code == 303


def test_recaptcha_without_token_is_refused_without_asking_google(app, client, auth, recaptcha):
    auth.create_client()
    choose(client, "accept")
    response = login(client)
    assert_refused(app, response, "pas terminée", "missing")
    assert recaptcha.posts == []


def test_recaptcha_before_any_choice_is_refused(app, client, auth, recaptcha):
    auth.create_client()
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    assert_refused(app, response, "Choisissez d&#39;abord la vérification", "no_choice")
    assert recaptcha.posts == []


def test_login_page_says_so_before_loading_anything_from_google(client, recaptcha):
    response = client.get("/auth/login")
    page = response.get_data(as_text=True)
    assert "États-Unis" in page and 'data-captcha-choice="decline"' in page
    assert GOOGLE not in page
    assert "google" not in response.headers["Content-Security-Policy"]


def test_recaptcha_script_and_csp_only_on_login_after_consent(client, recaptcha):
    assert choose(client, "accept").status_code == 204
    response = client.get("/auth/login")
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert f'src="{GOOGLE}api.js?render={RECAPTCHA_TEST_SITE_KEY}' in page
    assert f"script-src 'self' {GOOGLE} https://www.gstatic.com/recaptcha/" in csp
    assert f"frame-src {GOOGLE}" in csp
    for other in ("/", "/confidentialite"):
        response = client.get(other)
        assert GOOGLE not in response.get_data(as_text=True)
        assert "google" not in response.headers["Content-Security-Policy"]


def test_boosted_navigation_to_recaptcha_page_becomes_a_full_load(client, recaptcha):
    choose(client, "accept")
    response = client.get("/auth/login", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.headers["HX-Redirect"] == "/auth/login"
    without = client.get("/confidentialite", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "HX-Redirect" not in without.headers


@pytest.mark.settings(ALTCHA_COST=20)
def test_declining_recaptcha_gives_altcha_and_no_google(app, client, auth, recaptcha):
    auth.create_client()
    choose(client, "decline")
    response = client.get("/auth/login")
    page = response.get_data(as_text=True)
    assert "data-altcha" in page and GOOGLE not in page
    assert "google" not in response.headers["Content-Security-Policy"]
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    assert login(client, altcha=payload).status_code == 303
    assert recaptcha.posts == []


def test_declined_visitor_cannot_send_a_recaptcha_token_instead(app, client, auth, recaptcha):
    auth.create_client()
    choose(client, "decline")
    response = login(client, **{"g-recaptcha-response": "token-abc"})
    assert_refused(app, response, "pas terminée", "missing")


def test_consent_refuses_an_unknown_answer(client, recaptcha):
    assert choose(client, "peut-être").status_code == 400


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_consent_needs_the_token_the_page_gives(client, recaptcha):
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert choose(client, "accept").status_code == 400
    response = client.post(
        "/auth/captcha/consent", data={"choice": "accept"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert GOOGLE in client.get("/auth/login").get_data(as_text=True)


def test_production_starts_with_recaptcha_and_its_keys(tmp_path):
    from app import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": TEST_SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": [TEST_FIELD_KEY],
            "MAIL_BASE_URL": "https://espace-client.example.fr",
            "CAPTCHA_PROVIDER": "recaptcha",
            "RECAPTCHA_SITE_KEY": RECAPTCHA_TEST_SITE_KEY,
            "RECAPTCHA_SECRET_KEY": RECAPTCHA_TEST_SECRET,
            "RECOVERY_CODE_KEY": "recovery-code-key-0123456789",
            "BLIND_INDEX_KEY": "blind-index-key-0123456789",
            "ACTIVITY_SEAL_KEY": "activity-seal-key-0123456789",
        }
    )
    assert app.config["CAPTCHA_PROVIDER"] == "recaptcha"


@pytest.mark.parametrize(
    ("changes", "now_shift_s", "problem"),
    [
        ({"score": 0.5}, 0, None),  # the threshold itself passes
        ({"score": "0.9"}, 0, "score"),
        ({"challenge_ts": "hier"}, 0, "stale"),
        ({}, -120, "stale"),  # a challenge from the future (beyond the clock skew)
        ({"hostname": "LOCALHOST"}, 0, None),
    ],
)
def test_siteverify_problem_rules(changes, now_shift_s, problem):
    reply = SiteVerifyServer.good_reply(**changes)
    now = datetime.now(UTC) + timedelta(seconds=now_shift_s)
    found = captcha.siteverify_problem(
        reply, "login", "localhost", now=now, max_age_s=120, min_score=0.5
    )
    assert found == problem


# --- ALTCHA ---------------------------------------------------------------------------------

altcha_settings = pytest.mark.settings(CAPTCHA_PROVIDER="altcha", ALTCHA_COST=20)


@altcha_settings
def test_altcha_challenge_is_signed_fresh_and_not_cached(client):
    response = client.get("/auth/captcha/challenge")
    challenge = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert challenge["signature"] and challenge["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert 0 < challenge["parameters"]["expiresAt"] - time.time() <= 600
    assert client.get("/auth/captcha/challenge").get_json() != challenge


@altcha_settings
def test_altcha_login_page_has_the_widget_and_strict_csp(client):
    response = client.get("/auth/login")
    page = response.get_data(as_text=True)
    assert 'data-challenge-url="/auth/captcha/challenge"' in page
    assert "vendor/altcha-3.2.2/altcha.min.js" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "google" not in response.headers["Content-Security-Policy"]


@altcha_settings
def test_altcha_solution_computed_here_is_accepted(app, client, auth):
    auth.create_client()
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    response = login(client, altcha=payload)
    assert response.status_code == 303
    assert captcha_failures(app) == []


def _tamper(payload: str, part: str, key: str, value) -> str:
    data = json.loads(base64.b64decode(payload))
    target = data["solution"] if part == "solution" else data["challenge"]["parameters"]
    target[key] = value
    return base64.b64encode(json.dumps(data).encode()).decode()


@altcha_settings
@pytest.mark.parametrize(
    ("part", "key", "value", "reason"),
    [
        ("solution", "derivedKey", "00" * 32, "solution"),
        ("solution", "counter", 10**6, "solution"),
        ("parameters", "cost", 1, "signature"),
        ("parameters", "expiresAt", 4102444800, "signature"),
    ],
)
def test_altcha_wrong_solution_is_refused(app, client, auth, part, key, value, reason):
    auth.create_client()
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    response = login(client, altcha=_tamper(payload, part, key, value))
    assert_refused(app, response, "La vérification anti-robot a échoué", reason)


@altcha_settings
def test_altcha_replayed_solution_is_refused(app, client, auth):
    auth.create_client()
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    first = client.post("/auth/login", data={"email": EMAIL, "password": "faux", "altcha": payload})
    assert "incorrect" in first.get_data(as_text=True)  # the CAPTCHA passed, the password not
    response = login(client, altcha=payload)
    assert_refused(app, response, "La vérification anti-robot a échoué", "replayed")


@altcha_settings
def test_altcha_expired_challenge_is_refused(app, client, auth):
    auth.create_client()
    with app.test_request_context():
        key = captcha.altcha_hmac_key()
    expired = altcha.create_challenge(
        "PBKDF2/SHA-256", 20, expires_at=int(time.time()) - 1, hmac_secret=key
    )
    payload = solve_altcha(expired.to_dict())
    response = login(client, altcha=payload)
    assert_refused(app, response, "a expiré", "expired")


@altcha_settings
@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "missing"),
        ("pas du base64 !", "malformed"),
        ("e30=", "malformed"),  # {}
        (base64.b64encode(b"[" * 100_000).decode(), "malformed"),
    ],
    ids=["missing", "not-base64", "empty-object", "deeply-nested"],
)
def test_altcha_missing_or_garbled_answer_is_refused(app, client, auth, payload, reason):
    auth.create_client()
    response = login(client, altcha=payload)
    message = "pas terminée" if reason == "missing" else "La vérification anti-robot a échoué"
    assert_refused(app, response, message, reason)


@altcha_settings
def test_altcha_key_from_settings_signs_challenges(app, client):
    app.config["ALTCHA_HMAC_KEY"] = "une-autre-cle-de-signature-0123456789"
    challenge = client.get("/auth/captcha/challenge").get_json()
    payload = solve_altcha(challenge)
    assert altcha.verify_solution(payload, "une-autre-cle-de-signature-0123456789").verified


def test_spent_challenge_is_remembered_until_it_expires(app):
    future = int(time.time()) + 60
    with app.app_context():
        assert captcha.spend_challenge("a" * 64, future) is True
        assert captcha.spend_challenge("a" * 64, future) is False
        captcha.spend_challenge("b" * 64, int(time.time()) - 10)  # already past its lifetime
        captcha.spend_challenge("c" * 64, future)  # purges the expired one
    assert count_rows(app, SpentCaptchaChallenge) == 2


def test_captcha_off_shows_nothing(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "data-captcha" not in page
