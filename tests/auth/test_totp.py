"""The second factor: mandatory for admins, optional for clients, codes used once."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.recovery_code import RecoveryCode
from models.user import User
from services import totp
from tests.fixtures.accounts import sent_mails
from tests.fixtures.database import count_rows
from tests.fixtures.totp import ADMIN_EMAIL, TEST_TOTP_SECRET, code_for, enrol, fresh_code
from tests.fixtures.users import PASSWORD, make_user
from web.sessions import PENDING_SECOND_FACTOR, SECOND_FACTOR


def actions(app, user_id=None):
    with app.app_context():
        query = sa.select(ActivityLog).order_by(ActivityLog.id)
        if user_id is not None:
            query = query.where(ActivityLog.target_id == user_id)
        return [(e.action, e.outcome) for e in db.session.scalars(query)]


def get_user(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def key_on_page(html: str) -> str:
    match = re.search(r'<code id="totp-key" class="totp-key">([A-Z2-7 ]+)</code>', html)
    assert match, "no TOTP key on the page"
    return match.group(1).replace(" ", "")


def codes_on_page(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})</code></li>", html)


def password_step(client, email=ADMIN_EMAIL):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD})


# The rules, directly -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset,accepted", [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_one_step_of_drift_either_side(offset, accepted):
    now = 1_800_000_015.0
    code = pyotp.TOTP(TEST_TOTP_SECRET).at(now + 30 * offset)
    step = totp.matching_step(TEST_TOTP_SECRET, code, now=now)
    assert (step == totp.current_step(now) + offset) if accepted else step is None


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "abcdef", None, "١٢٣٤٥٦", "²³⁴⁵⁶⁷", "１２３４５６"]
)
def test_malformed_codes_never_match(typed):
    assert totp.matching_step(TEST_TOTP_SECRET, typed) is None


def test_same_code_is_refused_the_second_time(app, totp_auth):
    user_id = totp_auth.create_admin()
    now = time.time()
    code = pyotp.TOTP(TEST_TOTP_SECRET).at(now)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert totp.check_totp(user, code, now=now) == totp.OK
        assert totp.check_totp(user, code, now=now) == totp.REPLAYED
        earlier = pyotp.TOTP(TEST_TOTP_SECRET).at(now - 30)
        assert totp.check_totp(user, earlier, now=now) == totp.REPLAYED  # older steps too
        later = pyotp.TOTP(TEST_TOTP_SECRET).at(now + 30)
        assert totp.check_totp(user, later, now=now) == totp.OK


def test_recovery_code_hash_is_keyed_and_normalised(app):
    with app.app_context():
        assert totp.recovery_code_hash(1, "abcde-fghjk") == totp.recovery_code_hash(1, "ABCDEFGHJK")
        assert totp.recovery_code_hash(1, "ABCDEFGHJK") != totp.recovery_code_hash(2, "ABCDEFGHJK")


def test_qr_code_names_the_company_and_the_account_and_needs_no_style(app):
    with app.app_context():
        uri = totp.provisioning_uri(TEST_TOTP_SECRET, "chef@example.fr")
        svg = str(totp.qr_code_svg(uri))
    parsed = pyotp.parse_uri(uri)
    assert parsed.issuer == "E.M.P COMPUTER INFORMATIQUE"
    assert parsed.name == "chef@example.fr" and parsed.secret == TEST_TOTP_SECRET
    assert svg.startswith('<svg role="img"') and "style" not in svg and "data:" not in svg


# Login ---------------------------------------------------------------------------------------


def test_client_without_totp_logs_in_directly(client, auth):
    auth.create_client()
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200


def test_admin_with_totp_is_not_logged_in_before_the_code(app, client, totp_auth):
    totp_auth.create_admin()
    response = password_step(client)
    assert response.headers["Location"].endswith("/auth/totp")
    page = client.get("/admin")  # not logged in yet: back to the code step, not the admin page
    assert page.status_code == 302 and page.headers["Location"] == "/auth/totp"
    assert "Double authentification" in client.get("/auth/totp").get_data(as_text=True)


def test_admin_logs_in_with_password_and_code(app, client, totp_auth):
    user_id = totp_auth.create_admin()
    response = totp_auth.login(next="/admin?x=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin?x=1"
    assert client.get("/admin").status_code == 200
    assert ("totp.ok", "success") in actions(app, user_id)


def test_previous_step_code_is_accepted_at_login(app, client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    # The previous step stays within the window even if the clock turns during the request.
    response = client.post("/auth/totp", data={"code": code_for(TEST_TOTP_SECRET, -1)})
    assert response.status_code == 303


def test_same_code_twice_at_login_is_refused(app, client, totp_auth):
    user_id = totp_auth.create_admin()
    code = fresh_code(app, user_id, TEST_TOTP_SECRET)
    password_step(client)
    assert client.post("/auth/totp", data={"code": code}).status_code == 303
    client.post("/auth/logout")
    password_step(client)
    response = client.post("/auth/totp", data={"code": code})
    assert response.status_code == 422
    assert "déjà été utilisé" in response.get_data(as_text=True)
    assert client.get("/admin").status_code == 302
    assert ("totp.replayed", "failure") in actions(app, user_id)


def test_wrong_code_is_refused_and_logged_without_the_code(app, client, totp_auth):
    user_id = totp_auth.create_admin()
    password_step(client)
    response = client.post("/auth/totp", data={"code": "000000"})
    assert response.status_code == 422
    assert "Code incorrect" in response.get_data(as_text=True)
    assert ("totp.failed", "failure") in actions(app, user_id)
    with app.app_context():
        details = db.session.scalars(sa.select(ActivityLog.detail)).all()
    assert all("000000" not in (d or "") for d in details)


def test_five_wrong_codes_require_a_fresh_login(app, client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    for _ in range(4):
        assert client.post("/auth/totp", data={"code": "000000"}).status_code == 422
    response = client.post("/auth/totp", data={"code": "000000"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    # Even a good code is refused now: the password must be given again.
    response = client.post("/auth/totp", data={"code": code_for(TEST_TOTP_SECRET)})
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/admin").status_code == 302


@pytest.mark.settings(TOTP_PENDING_SECONDS=0)
def test_pending_login_expires(client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    time.sleep(1.1)
    response = client.post("/auth/totp", data={"code": code_for(TEST_TOTP_SECRET)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"


def test_code_step_without_password_goes_to_login(client):
    response = client.get("/auth/totp")
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"


def test_client_with_totp_is_asked_the_code(app, client, auth):
    user_id = auth.create_client()
    enrol(app, user_id)
    response = auth.login()
    assert response.headers["Location"].endswith("/auth/totp")
    assert client.get("/account").status_code == 302
    response = client.post("/auth/totp", data={"code": fresh_code(app, user_id, TEST_TOTP_SECRET)})
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200


# Admin pages refuse a session without the second factor --------------------------------------


def test_admin_pages_refuse_a_password_only_session(app, client, totp_auth):
    totp_auth.create_admin()
    password_step(client)  # the password is right, the code is never given
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/totp"


def test_admin_required_ends_a_session_that_skipped_totp(app, client, totp_auth):
    totp_auth.create_admin()
    totp_auth.login()
    with client.session_transaction() as session:
        session[SECOND_FACTOR] = False  # a session opened some other way than the code step
    response = client.get("/admin")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/admin").status_code == 302  # and it stays logged out


def test_admin_fixture_reaches_admin_home(client, admin_login):
    assert client.get("/admin").status_code == 200


# Enrolment -----------------------------------------------------------------------------------


def test_admin_without_totp_must_enrol_and_needs_a_valid_code(app, client, auth):
    admin_id = auth.create_admin()
    response = password_step(client)
    assert response.headers["Location"].endswith("/auth/totp/enroll")
    assert client.get("/auth/totp").headers["Location"].endswith("/auth/totp/enroll")
    page = client.get("/auth/totp/enroll").get_data(as_text=True)
    assert '<svg role="img"' in page and "style=" not in page
    secret = key_on_page(page)
    assert client.get("/admin").status_code == 302

    wrong = client.post("/auth/totp/enroll", data={"code": "123456"})
    assert wrong.status_code == 422
    assert get_user(app, admin_id).totp_secret_encrypted is None
    assert client.get("/admin").status_code == 302

    response = client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/auth/totp/recovery-codes")
    codes = codes_on_page(client.get("/auth/totp/recovery-codes").get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin").status_code == 200
    # Shown once: the next visit does not show them again.
    again = client.get("/auth/totp/recovery-codes").get_data(as_text=True)
    assert codes_on_page(again) == []
    assert ("totp.enrolled", "success") in actions(app, admin_id)


def test_enrolment_page_keeps_the_key_across_reloads(client, auth):
    auth.create_admin()
    password_step(client)
    first = key_on_page(client.get("/auth/totp/enroll").get_data(as_text=True))
    assert key_on_page(client.get("/auth/totp/enroll").get_data(as_text=True)) == first


def test_pending_enrolled_admin_cannot_enrol_again_to_skip_the_code(client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    response = client.get("/auth/totp/enroll")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/totp")


def test_enrolment_code_cannot_open_a_session_again(app, client, auth):
    admin_id = auth.create_admin()
    password_step(client)
    secret = key_on_page(client.get("/auth/totp/enroll").get_data(as_text=True))
    code = pyotp.TOTP(secret).now()
    client.post("/auth/totp/enroll", data={"code": code})
    client.post("/auth/logout")
    password_step(client)
    assert client.post("/auth/totp", data={"code": code}).status_code == 422
    assert get_user(app, admin_id).totp_last_step is not None


def test_secret_is_not_in_clear_in_the_database(app, totp_auth):
    user_id = totp_auth.create_admin()
    with app.app_context():
        table = User.__table__  # the raw column, not the model's attribute
        raw = db.session.execute(
            sa.select(table.c.totp_secret_encrypted).where(table.c.id == user_id)
        ).scalar_one()
    assert raw and TEST_TOTP_SECRET not in raw
    assert TEST_TOTP_SECRET.lower() not in raw.lower()


def test_recovery_codes_are_stored_hashed(app, client, auth):
    auth.create_admin()
    password_step(client)
    secret = key_on_page(client.get("/auth/totp/enroll").get_data(as_text=True))
    client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    codes = codes_on_page(client.get("/auth/totp/recovery-codes").get_data(as_text=True))
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT code_hash FROM recovery_code")).scalars().all()
    assert len(stored) == 10
    for code in codes:
        assert all(code not in h and code.replace("-", "") not in h for h in stored)


def test_client_turns_totp_on_then_off_with_a_code(app, client, auth):
    user_id = auth.create_client()
    auth.login()
    page = client.get("/auth/totp/enroll").get_data(as_text=True)
    secret = key_on_page(page)
    response = client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/auth/totp/recovery-codes")
    assert get_user(app, user_id).totp_enabled_at is not None
    client.get("/auth/totp/recovery-codes")  # the codes, shown once
    status = client.get("/auth/totp/enroll").get_data(as_text=True)
    assert "Active depuis le" in status and "10 codes de secours inutilisés" in status

    assert client.post("/auth/totp/disable", data={"code": "000000"}).status_code == 422
    code = fresh_code(app, user_id, secret)
    response = client.post("/auth/totp/disable", data={"code": code})
    assert response.status_code == 303
    user = get_user(app, user_id)
    assert user.totp_secret_encrypted is None and user.totp_enabled_at is None
    assert count_rows(app, RecoveryCode) == 0
    assert ("totp.disabled", "success") in actions(app, user_id)


def test_admins_cannot_turn_totp_off(client, admin_login):
    assert client.get("/auth/totp/disable").status_code == 404


# Recovery codes ------------------------------------------------------------------------------


def enrol_through_pages(client, email=ADMIN_EMAIL):
    """Password, enrolment, codes: returns (secret, recovery codes)."""
    password_step(client, email)
    secret = key_on_page(client.get("/auth/totp/enroll").get_data(as_text=True))
    client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    codes = codes_on_page(client.get("/auth/totp/recovery-codes").get_data(as_text=True))
    client.post("/auth/logout")
    return secret, codes


def test_recovery_code_works_once(app, client, auth):
    admin_id = auth.create_admin()
    _, codes = enrol_through_pages(client)
    password_step(client)
    response = client.post("/auth/totp", data={"code": codes[0].lower()})
    assert response.status_code == 303
    home = client.get("/admin")
    assert home.status_code == 200
    assert "il vous en reste 9" in home.get_data(as_text=True)
    client.post("/auth/logout")

    password_step(client)
    response = client.post("/auth/totp", data={"code": codes[0]})
    assert response.status_code == 422
    assert client.get("/admin").status_code == 302
    assert ("totp.recovery_used", "success") in actions(app, admin_id)
    with app.app_context():
        assert totp.remaining_recovery_codes(db.session.get(User, admin_id)) == 9


def test_regenerating_codes_needs_a_recent_login_and_a_fresh_code(app, client, auth):
    admin_id = auth.create_admin()
    secret, old_codes = enrol_through_pages(client)
    password_step(client)
    client.post("/auth/totp", data={"code": fresh_code(app, admin_id, secret)})
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 3600  # logged in an hour ago
    response = client.get("/auth/totp/recovery-codes")
    assert response.status_code == 303
    assert "/auth/totp/confirm-password" in response.headers["Location"]
    assert client.post("/auth/totp/recovery-codes", data={"code": "1"}).status_code == 303

    wrong = client.post("/auth/totp/confirm-password", data={"password": "Mauvais-Mot-2-Passe!"})
    assert wrong.status_code == 422
    response = client.post(
        "/auth/totp/confirm-password",
        data={"password": PASSWORD, "next": "/auth/totp/recovery-codes"},
    )
    assert response.headers["Location"] == "/auth/totp/recovery-codes"
    assert "Il vous reste 10 codes" in client.get("/auth/totp/recovery-codes").get_data(
        as_text=True
    )
    assert client.post("/auth/totp/recovery-codes", data={"code": "000000"}).status_code == 422
    response = client.post(
        "/auth/totp/recovery-codes", data={"code": fresh_code(app, admin_id, secret)}
    )
    assert response.status_code == 303
    new_codes = codes_on_page(client.get("/auth/totp/recovery-codes").get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert ("totp.recovery_regenerated", "success") in actions(app, admin_id)
    with app.app_context():
        user = db.session.get(User, admin_id)
        assert not totp.use_recovery_code(user, old_codes[1])
        assert totp.use_recovery_code(user, new_codes[1])


def test_enrolling_again_needs_a_recent_login(client, admin_login):
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 3600
    response = client.get("/auth/totp/enroll")
    assert response.status_code == 303
    assert "/auth/totp/confirm-password" in response.headers["Location"]


@pytest.mark.settings(TOTP_MAX_FAILURES=2)
def test_wrong_passwords_at_confirmation_end_the_session(client, admin_login):
    for _ in range(2):
        response = client.post("/auth/totp/confirm-password", data={"password": "faux"})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert client.get("/admin").status_code == 302


# Reset by another admin ----------------------------------------------------------------------


def test_reset_totp_clears_everything_logs_and_mails(app, client, auth, totp_auth):
    lost_id = auth.create_admin(email="perdu@example.fr")
    enrol_through_pages(client, "perdu@example.fr")
    chief_id = totp_auth.create_admin()
    with app.app_context():
        lost = db.session.get(User, lost_id)
        version = lost.session_version
        totp.reset_totp(lost, by=db.session.get(User, chief_id))
        db.session.commit()
    lost = get_user(app, lost_id)
    assert lost.totp_secret_encrypted is None and lost.totp_last_step is None
    assert lost.session_version == version + 1
    assert count_rows(app, RecoveryCode, RecoveryCode.user_id == lost_id) == 0
    with app.app_context():
        entry = db.session.scalar(sa.select(ActivityLog).where(ActivityLog.action == "totp.reset"))
        assert (entry.actor_id, entry.target_id) == (chief_id, lost_id)
    (mail,) = sent_mails(app, "totp_reset")
    assert mail.recipient == "perdu@example.fr"
    assert "réinitialisée par admin@example.fr" in mail.body_text
    # At the next login the admin enrols again.
    assert password_step(client, "perdu@example.fr").headers["Location"].endswith("/enroll")


# Halfway through the second factor, a protected page sends back to the step ----------------


def test_admin_halfway_through_enrolment_is_sent_back_to_it(app, client):
    make_user(app, email="nouvel-admin@example.fr", role="admin")
    response = password_step(client, email="nouvel-admin@example.fr")
    assert response.headers["Location"] == "/auth/totp/enroll"
    for _attempt in range(2):
        page = client.get("/admin")
        assert page.status_code == 302 and page.headers["Location"] == "/auth/totp/enroll"
    html = client.get("/auth/totp/enroll").get_data(as_text=True)
    assert "Connectez-vous pour accéder" not in html  # no login message: nothing to log into
    assert 'class="totp-key"' in html


def test_admin_halfway_through_the_code_step_is_sent_back_to_it(app, client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    page = client.get("/admin/clients", headers={"HX-Request": "true"})
    assert page.headers["HX-Redirect"] == "/auth/totp"
    page = client.get("/admin/clients")
    assert page.headers["Location"] == "/auth/totp"
    assert "Connectez-vous" not in client.get("/auth/totp").get_data(as_text=True)


def test_an_expired_second_factor_step_goes_back_to_the_login(app, client, totp_auth):
    totp_auth.create_admin()
    password_step(client)
    with client.session_transaction() as session:
        pending = session[PENDING_SECOND_FACTOR]
        pending["at"] -= app.config["TOTP_PENDING_SECONDS"] + 1
        session[PENDING_SECOND_FACTOR] = pending  # a changed nested value is not saved by itself
    page = client.get("/admin")
    assert page.headers["Location"].startswith("/auth/login?next=")
