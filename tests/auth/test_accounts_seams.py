"""Where the three parts of the accounts area meet: login steps, sessions, limits and CAPTCHA."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.user import User
from services.invitations import invitation_token
from tests.fixtures.accounts import get_user, sent_mails
from tests.fixtures.captcha import solve_altcha
from tests.fixtures.config import ROOT
from tests.fixtures.database import count_rows
from tests.fixtures.login_guard import fail_logins, failure_rows
from tests.fixtures.totp import ADMIN_EMAIL, TEST_TOTP_SECRET, fresh_code
from tests.fixtures.url_map import url_rules
from tests.fixtures.users import PASSWORD
from web.limits import limiter_of
from web.sessions import LOGIN_AT, SECOND_FACTOR, SEEN_AT

NEW = "Nouveau-Mot-De-Passe-2026!"
WRONG = "Mauvais-Mot-De-Passe-42!"


def admin_rules():
    return sorted(url_rules(lambda r: r.rule.startswith("/admin")), key=lambda r: r.rule)


def example_url(rule) -> str:
    values = {
        arg: 1 if type(rule._converters[arg]).__name__ == "IntegerConverter" else "x"
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def logins(app) -> list[int]:
    """Targets of the successful ``auth.login`` entries, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ActivityLog.target_id)
                .where(ActivityLog.action == "auth.login", ActivityLog.outcome == "success")
                .order_by(ActivityLog.id)
            )
        )


# --- Admin pages refuse any session that has not passed the second factor -------------------


def test_the_admin_area_has_routes():
    assert len(admin_rules()) >= 10
    assert {"/admin/users", "/admin/activity"} <= {r.rule for r in admin_rules()}


@pytest.mark.from_url_map(
    ("rule", "method"),
    lambda: [
        pytest.param(rule, method, id=f"{method} {rule.rule}")
        for rule in admin_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ],
)
def test_password_only_admin_session_never_reaches_an_admin_page(
    app, client, totp_auth, rule, method
):
    totp_auth.create_admin()
    totp_auth.login()
    with client.session_transaction() as session:
        session[SECOND_FACTOR] = False  # the password was given, the code was not
    response = client.open(example_url(rule), method=method, data={})
    assert response.status_code == 302, response.status_code
    assert "/auth/login" in response.headers["Location"]
    assert "_user_id" not in session_of(client)  # and that session is over


@pytest.mark.from_url_map("rule", lambda: [r for r in admin_rules() if "GET" in r.methods], ids=str)
def test_pending_admin_between_password_and_code_reaches_no_admin_page(client, totp_auth, rule):
    totp_auth.create_admin()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    response = client.get(example_url(rule))
    # Not the admin page: back to the code step the admin is at.
    assert response.status_code == 302 and response.headers["Location"] == "/auth/totp"


# --- Every way into a session goes through open_session ---------------------------------------


def test_only_the_sessions_module_logs_anyone_in():
    """open_session stamps the session (login time, second factor) and logs the login."""
    callers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("blueprints", "services", "web", "commands")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\blogin_user\(", path.read_text(encoding="utf-8"))
    ]
    assert callers == ["web/sessions.py"]


def assert_fresh_session(client, second_factor: bool):
    stamps = session_of(client)
    assert stamps[SECOND_FACTOR] is second_factor
    assert abs(time.time() - stamps[LOGIN_AT]) < 5
    assert abs(time.time() - stamps[SEEN_AT]) < 5


def test_password_login_opens_a_stamped_session(app, client, auth):
    user_id = auth.create_client()
    auth.login()
    assert_fresh_session(client, second_factor=False)
    assert logins(app) == [user_id]


def test_totp_login_opens_a_stamped_session_with_the_second_factor(app, client, totp_auth):
    user_id = totp_auth.create_admin()
    totp_auth.login()
    assert_fresh_session(client, second_factor=True)
    assert logins(app) == [user_id]


def test_first_admin_login_with_enrolment_opens_a_session_with_the_second_factor(app, client, auth):
    import pyotp

    user_id = auth.create_admin()
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    page = client.get("/auth/totp/enroll").get_data(as_text=True)
    secret = re.search(r'id="totp-key"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert_fresh_session(client, second_factor=True)
    assert logins(app) == [user_id]
    assert client.get("/admin").status_code == 200


def test_accepting_an_invitation_opens_a_stamped_session(app, client):
    with app.test_request_context():
        user = User(email="invite@example.fr", email_canonical="invite@example.fr")
        db.session.add(user)
        db.session.commit()
        user_id, token = user.id, invitation_token(user)
    response = client.post(f"/account/invitation/{token}", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 303
    assert_fresh_session(client, second_factor=False)
    assert logins(app) == [user_id]


def test_admin_keeps_the_second_factor_after_changing_the_password(app, client, totp_auth):
    admin_id = totp_auth.create_admin()
    totp_auth.login()
    login_at = session_of(client)[LOGIN_AT]
    other = app.test_client()
    type(totp_auth)(app, other).login()
    assert other.get("/admin").status_code == 200
    response = client.post(
        "/auth/security/password",
        data={"current_password": PASSWORD, "password": NEW, "password_confirm": NEW},
    )
    assert response.status_code == 303
    assert client.get("/admin/users").status_code == 200  # still past the second factor
    assert session_of(client)[LOGIN_AT] == login_at  # the absolute lifetime still counts
    assert other.get("/admin").status_code == 302  # the other session ended
    assert get_user(app, admin_id).session_version == 2


def test_a_new_session_keeps_the_chosen_language_and_nothing_else(client, auth, totp_auth):
    auth.create_client()
    with client.session_transaction() as session:
        session.update(locale="en", _user_id="999:1", second_factor=True)
    auth.login()
    assert session_of(client).get("locale") == "en"
    assert session_of(client)["_user_id"] != "999:1"
    assert session_of(client)[SECOND_FACTOR] is False
    client.post(
        "/auth/security/password",
        data={"current_password": PASSWORD, "password": NEW, "password_confirm": NEW},
    )
    assert session_of(client).get("locale") == "en"
    client.post("/auth/logout")
    totp_auth.create_admin()
    with client.session_transaction() as session:
        session["locale"] = "en"
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert session_of(client).get("locale") == "en"  # the code step too


# --- Logout --------------------------------------------------------------------------------


def test_logout_is_post_only_and_ends_the_admin_session(app, client, totp_auth):
    totp_auth.create_admin()
    totp_auth.login()
    copied = client.get_cookie("ec_session").value
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/admin").status_code == 200
    response = client.post("/auth/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    replay = app.test_client()
    replay.set_cookie("ec_session", copied)
    assert replay.get("/admin").status_code == 302


# --- Lock-out counter and rate limits -----------------------------------------------------


@pytest.mark.settings(
    RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="5 per hour"
)
def test_lock_out_counts_in_the_database_whatever_the_limiter_forgets(app, client, auth):
    auth.create_client()
    statuses = fail_logins(app, client, 6)
    assert statuses == [422] * 5 + [429]
    assert [row.streak for row in failure_rows(app)] == [5]  # a 429 counts nothing
    limiter_of(
        client.application
    ).reset()  # another worker, or a restart: memory storage starts from zero
    fail_logins(app, client, 5)
    assert failure_rows(app)[0].locked_until is not None
    assert len(sent_mails(app, "login_attack")) == 1
    limiter_of(client.application).reset()
    response = client.post(
        "/auth/login",
        data={"email": "client@example.fr", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 422  # the right password, from the locked source


def limited(url, setting, data):
    marks = pytest.mark.settings(RATELIMIT_ENABLED=True, **{setting: "1 per minute"})
    return pytest.param(url, data, marks=marks, id=url)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        limited("/auth/login", "RATELIMIT_LOGIN", {"email": "x@example.fr", "password": WRONG}),
        limited("/auth/register", "RATELIMIT_REGISTER", {"email": "x@example.fr"}),
        limited("/auth/reset", "RATELIMIT_RESET", {"email": "x@example.fr"}),
        limited("/auth/verify/resend", "RATELIMIT_RESEND", {"email": "x@example.fr"}),
        limited("/auth/totp", "RATELIMIT_TOTP", {"code": "000000"}),
    ],
)
def test_each_limited_form_answers_429_in_french_with_retry_after(client, url, data):
    limiter_of(client.application).reset()
    client.post(url, data=data)
    response = client.post(url, data=data)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    limiter_of(client.application).reset()


# --- CAPTCHA on registration --------------------------------------------------------------


def registration(**extra):
    return {
        "email": "jeanne@example.fr",
        "password": NEW,
        "password_confirm": NEW,
        "category": "professionnel",
        "accept_privacy": "y",
        **extra,
    }


def registration_refused(app, response, reason: str):
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="jeanne@example.fr"' in page and NEW not in page
    assert re.search(r'<input checked[^>]*value="professionnel"', page)  # the choice is kept
    assert count_rows(app, User) == 0 and sent_mails(app) == []
    with app.app_context():
        details = db.session.scalars(
            sa.select(ActivityLog.detail).where(ActivityLog.action == "auth.captcha")
        ).all()
    assert details == [f"action=register reason={reason}"]


@pytest.mark.settings(CAPTCHA_PROVIDER="altcha", ALTCHA_COST=20)
def test_registration_with_a_replayed_altcha_writes_nothing(app, client):
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    spent = client.post(
        "/auth/login", data={"email": "x@example.fr", "password": WRONG, "altcha": payload}
    )
    assert spent.status_code == 422
    with app.app_context():
        db.session.execute(sa.delete(ActivityLog))
        db.session.commit()
    response = client.post("/auth/register", data=registration(altcha=payload))
    registration_refused(app, response, "replayed")


@pytest.mark.settings(CAPTCHA_PROVIDER="altcha", ALTCHA_COST=20)
def test_registration_with_a_good_altcha_creates_the_account(app, client):
    payload = solve_altcha(client.get("/auth/captcha/challenge").get_json())
    response = client.post("/auth/register", data=registration(altcha=payload))
    assert response.status_code == 303
    assert count_rows(app, User) == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"score": 0.2}, "score"),
        ({"action": "login"}, "action"),
        ({"hostname": "evil.example"}, "hostname"),
        ({"challenge_ts": "2020-01-01T00:00:00Z"}, "stale"),
    ],
    ids=["low-score", "login-token-on-registration", "wrong-hostname", "stale"],
)
def test_registration_refused_by_recaptcha_writes_nothing(app, client, recaptcha, reply, reason):
    client.post("/auth/captcha/consent", data={"choice": "accept"})
    recaptcha.reply = recaptcha.good_reply(**{"action": "register", **reply})
    response = client.post(
        "/auth/register", data=registration(**{"g-recaptcha-response": "jeton-de-test"})
    )
    registration_refused(app, response, reason)


def test_registration_accepted_by_recaptcha_for_the_register_action(app, client, recaptcha):
    client.post("/auth/captcha/consent", data={"choice": "accept"})
    recaptcha.reply = recaptcha.good_reply(action="register")
    response = client.post(
        "/auth/register", data=registration(**{"g-recaptcha-response": "jeton-de-test"})
    )
    assert response.status_code == 303
    assert count_rows(app, User) == 1


def test_registration_fails_closed_when_siteverify_is_unreachable(
    app, client, recaptcha, closed_port_url
):
    app.config["RECAPTCHA_VERIFY_URL"] = closed_port_url
    client.post("/auth/captcha/consent", data={"choice": "accept"})
    response = client.post(
        "/auth/register", data=registration(**{"g-recaptcha-response": "jeton-de-test"})
    )
    assert "réessayez dans quelques instants" in response.get_data(as_text=True)
    registration_refused(app, response, "unavailable")


# --- Tokens of the links ---------------------------------------------------------------------


def test_a_token_made_for_one_purpose_opens_no_other_link(app, client, auth):
    from services import accounts

    user_id = auth.create_client(verified=False)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        verify = accounts.verification_token(user)
        reset = accounts.reset_token(user)
        change = accounts.email_change_token(user, "autre@example.fr")
    for token in (verify, change):
        assert "plus valable" in client.get(f"/auth/reset/{token}").get_data(as_text=True)
    for token in (reset, change):
        assert "pas valide" in client.get(f"/auth/verify/{token}").get_data(as_text=True)
    assert get_user(app, user_id).email_verified_at is None


def test_a_verification_link_dies_when_the_address_changes(app, client, auth):
    from services import accounts

    user_id = auth.create_client(verified=False)
    with app.test_request_context():
        token = accounts.verification_token(db.session.get(User, user_id))
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email, user.email_canonical = "autre@example.fr", "autre@example.fr"
        db.session.commit()
    assert "pas valide" in client.get(f"/auth/verify/{token}").get_data(as_text=True)
    assert get_user(app, user_id).email_verified_at is None


def test_reset_link_of_an_admin_leads_to_the_code_step_not_a_session(app, client, totp_auth):
    from services import accounts

    admin_id = totp_auth.create_admin()
    with app.test_request_context():
        token = accounts.reset_token(db.session.get(User, admin_id))
    response = client.post(f"/auth/reset/{token}", data={"password": NEW, "password_confirm": NEW})
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/admin").status_code == 302
    response = client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": NEW})
    assert response.headers["Location"].endswith("/auth/totp")
    code = fresh_code(app, admin_id, TEST_TOTP_SECRET)
    assert client.post("/auth/totp", data={"code": code}).status_code == 303
    assert client.get("/admin").status_code == 200


def test_admin_created_by_another_admin_must_enrol_at_first_login(app, client, admin_client):
    from tests.fixtures.accounts import link_in

    admin_client.post("/admin/users/new", data={"email": "second@example.fr"})
    admin_client.post("/auth/logout")
    link = link_in(sent_mails(app, "admin_invitation")[-1])
    client.post(link, data={"password": NEW, "password_confirm": NEW})
    response = client.post("/auth/login", data={"email": "second@example.fr", "password": NEW})
    assert response.headers["Location"].endswith("/auth/totp/enroll")
    assert client.get("/admin").status_code == 302
    assert count_rows(app, User, User.email_canonical == "second@example.fr") == 1


# --- reCAPTCHA only on the two pages that need it -------------------------------------------

GOOGLE = "https://www.google.com/recaptcha/"
CAPTCHA_PAGES = {"/auth/login": "login", "/auth/register": "register"}


def other_get_urls():
    return sorted(
        {example_url(r) for r in url_rules(lambda r: "GET" in r.methods)}
        - set(CAPTCHA_PAGES)
        - {"/static/x"}
    )


@pytest.mark.parametrize(("url", "action"), CAPTCHA_PAGES.items())
def test_recaptcha_loads_on_login_and_register_with_their_action(client, recaptcha, url, action):
    client.post("/auth/captcha/consent", data={"choice": "accept"})
    response = client.get(url)
    assert f'data-action="{action}"' in response.get_data(as_text=True)
    assert GOOGLE in response.headers["Content-Security-Policy"]


def test_recaptcha_loads_nowhere_else(client, recaptcha):
    client.post("/auth/captcha/consent", data={"choice": "accept"})
    for url in other_get_urls():
        response = client.get(url)
        assert GOOGLE.encode() not in response.get_data(), url  # bytes: /favicon.ico is binary
        assert "google" not in response.headers.get("Content-Security-Policy", ""), url


def test_registration_never_makes_an_admin(app, client):
    client.post("/auth/register", data=registration(role="admin", is_admin="1"))
    with app.app_context():
        assert db.session.scalars(sa.select(User.role)).all() == ["client"]


def test_a_long_next_does_not_overflow_the_cookie_of_the_code_step(app, client, totp_auth):
    import secrets

    admin_id = totp_auth.create_admin()
    response = client.post(
        "/auth/login",
        data={
            "email": ADMIN_EMAIL,
            "password": PASSWORD,
            "next": "/admin?" + secrets.token_urlsafe(4000),
        },
    )
    assert response.headers["Location"].endswith("/auth/totp")
    response = client.post("/auth/totp", data={"code": fresh_code(app, admin_id, TEST_TOTP_SECRET)})
    assert response.headers["Location"] == "/admin"
