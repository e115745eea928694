"""Wrong passwords lock a source out of an account, never the account: the owner gets in."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.activity import ActivityLog
from models.login_failure import LoginFailure
from models.user import User
from services import login_guard
from tests.fixtures.accounts import link_in, page_text, sent_mails
from tests.fixtures.captcha import solve_altcha
from tests.fixtures.login_guard import WRONG_PASSWORD, fail_logins, failure_rows, pass_time
from tests.fixtures.users import PASSWORD
from web.limits import limiter_of

OWNER_IP = "203.0.113.5"
ATTACKER_IP = "198.51.100.7"


def login_from(client, ip, email="client@example.fr", password=PASSWORD, **extra):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": ip},
    )


def count_actions(app, action) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(ActivityLog).where(ActivityLog.action == action)
        )


# The rules, directly -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "source"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),  # same subscriber, same source
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("pas une adresse", "pas une adresse"),
    ],
)
def test_a_source_is_an_ipv4_address_or_an_ipv6_64(address, source):
    assert login_guard.source_of(address) == source


@pytest.mark.parametrize(
    ("count", "minutes"), [(1, 15), (2, 30), (3, 60), (7, 960), (8, 1440), (20, 1440)]
)
def test_lockout_duration_doubles_up_to_a_day(app, count, minutes):
    with app.app_context():
        assert login_guard.lockout_duration(count) == timedelta(minutes=minutes)


def test_the_throttle_waits_longer_at_each_failure(app):
    with app.app_context():
        delays = [login_guard.throttle_delay(n).total_seconds() for n in range(2, 12)]
    assert delays == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


# One source --------------------------------------------------------------------------------


def test_failures_from_one_source_are_throttled(app, client, auth):
    auth.create_client()
    assert fail_logins(app, client, 3, wait=False) == [422] * 3
    response = login_from(client, ATTACKER_IP)  # the right password, too soon
    assert response.status_code == 422
    assert "patientez 1 seconde avant de réessayer" in page_text(response)
    assert [row.streak for row in failure_rows(app)] == [3]  # a refused try counts nothing
    pass_time(app, 2)
    assert login_from(client, ATTACKER_IP).status_code == 303
    assert failure_rows(app) == []  # a success forgets the failures of its source


def test_ten_failures_lock_that_source_only_and_mail_the_owner(app, client, auth):
    user_id = auth.create_client()
    fail_logins(app, client, 9, ip=ATTACKER_IP)
    assert sent_mails(app, "login_attack") == []
    fail_logins(app, client, 1, ip=ATTACKER_IP, wait=False)
    response = login_from(client, ATTACKER_IP)  # even the right password, from there
    assert response.status_code == 422
    assert "suspendue pendant encore 15 minutes" in page_text(response)
    (row,) = failure_rows(app)
    assert timedelta(minutes=14) < row.locked_until - utcnow() <= timedelta(minutes=15)

    owner = app.test_client()
    assert login_from(owner, OWNER_IP).status_code == 303  # the account is not locked
    (mail,) = sent_mails(app, "login_attack")
    assert mail.recipient == "client@example.fr"
    assert "Votre compte n'est pas bloqué" in mail.body_text
    assert "/auth/reset" in link_in(mail)
    assert count_actions(app, "auth.locked") == count_actions(app, "auth.attack") == 1
    with app.app_context():
        entry = db.session.scalar(sa.select(ActivityLog).where(ActivityLog.action == "auth.locked"))
        assert (entry.target_id, entry.ip) == (user_id, ATTACKER_IP)
        assert entry.detail == f"minutes=15 source={ATTACKER_IP}"


def test_each_new_lock_of_a_source_lasts_longer(app, client, auth):
    auth.create_client()
    fail_logins(app, client, 10)
    pass_time(app, 15 * 60)
    fail_logins(app, client, 10)
    (row,) = failure_rows(app)
    assert row.lockout_count == 2
    # The last failure, moved a minute back by the helper, started a lock of 30 minutes.
    assert timedelta(minutes=28) < row.locked_until - utcnow() <= timedelta(minutes=29)


def test_an_unknown_address_is_throttled_and_locked_like_a_real_one(app, client, auth):
    auth.create_client()
    real = fail_logins(app, client, 11, email="client@example.fr")
    unknown = fail_logins(app, client, 11, email="personne@example.fr")
    assert real == unknown == [422] * 11
    known_page = page_text(login_from(client, ATTACKER_IP, password=WRONG_PASSWORD))
    unknown_page = page_text(
        login_from(client, ATTACKER_IP, email="personne@example.fr", password=WRONG_PASSWORD)
    )
    assert "suspendue" in known_page and "suspendue" in unknown_page
    assert [row.lockout_count for row in failure_rows(app)] == [1, 1]
    with app.app_context():
        stored = " ".join(r.account_key for r in db.session.scalars(sa.select(LoginFailure)))
    assert "example.fr" not in stored  # a keyed hash, not the address


def test_a_new_password_lifts_the_locks(app, client, auth):
    auth.create_client()
    fail_logins(app, client, 10)
    client.post("/auth/reset", data={"email": "client@example.fr"})
    link = link_in(sent_mails(app, "reset_password")[-1])
    new = "Nouveau-Mot-De-Passe-2026!"
    client.post(link, data={"password": new, "password_confirm": new})
    assert login_from(client, ATTACKER_IP, password=new).status_code == 303


# Many sources ------------------------------------------------------------------------------


def attack_from_many_sources(app, email="client@example.fr", sources=6, each=2):
    """Wrong passwords for ``email`` from several addresses (the CAPTCHA off meanwhile)."""
    provider = app.config["CAPTCHA_PROVIDER"]
    app.config["CAPTCHA_PROVIDER"] = "off"
    attacker = app.test_client()
    for n in range(sources):
        fail_logins(app, attacker, each, email=email, ip=f"192.0.2.{n + 10}", wait=False)
    app.config["CAPTCHA_PROVIDER"] = provider


def altcha_answer(client, hard=False) -> str:
    url = "/auth/captcha/challenge" + ("?level=hard" if hard else "")
    return solve_altcha(client.get(url).get_json())


hard_altcha = pytest.mark.settings(CAPTCHA_PROVIDER="altcha", ALTCHA_COST=2, ALTCHA_ATTACK_COST=3)


@hard_altcha
def test_the_owner_logs_in_from_the_usual_network_during_an_attack(app, auth):
    user_id = auth.create_client()
    owner = app.test_client()
    assert login_from(owner, OWNER_IP, altcha=altcha_answer(owner)).status_code == 303
    owner.post("/auth/logout")
    attack_from_many_sources(app)
    with app.app_context():
        assert login_guard.under_attack(login_guard.account_key("client@example.fr"))

    response = login_from(owner, OWNER_IP, altcha=altcha_answer(owner))
    assert response.status_code == 303  # the usual network: the usual proof
    assert owner.get("/account").status_code == 200
    assert count_actions(app, "auth.attack") == 1
    assert len(sent_mails(app, "login_attack")) == 1
    assert user_id


@hard_altcha
def test_elsewhere_an_account_under_attack_asks_for_a_harder_proof(app, auth):
    auth.create_client()
    attack_from_many_sources(app)
    traveller = app.test_client()
    response = login_from(traveller, "203.0.113.77", altcha=altcha_answer(traveller))
    assert response.status_code == 422
    page = page_text(response)
    assert "une vérification anti-robot renforcée est demandée" in page
    assert 'data-challenge-url="/auth/captcha/challenge?level=hard"' in page
    hard = altcha_answer(traveller, hard=True)
    assert login_from(traveller, "203.0.113.77", altcha=hard).status_code == 303


@hard_altcha
def test_an_unknown_address_under_attack_asks_the_same(app, auth):
    attack_from_many_sources(app, email="personne@example.fr")
    visitor = app.test_client()
    response = login_from(
        visitor, "203.0.113.77", email="personne@example.fr", altcha=altcha_answer(visitor)
    )
    assert "une vérification anti-robot renforcée est demandée" in page_text(response)


def test_the_owner_is_told_of_an_attack_at_most_once_a_day(app, auth):
    user_id = auth.create_client()
    attack_from_many_sources(app)
    attack_from_many_sources(app)
    assert len(sent_mails(app, "login_attack")) == 1
    with app.app_context():
        user = db.session.get(User, user_id)
        user.attack_notified_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    pass_time(app, 120)  # past the attackers' throttle
    attack_from_many_sources(app)
    assert len(sent_mails(app, "login_attack")) == 2
    assert count_actions(app, "auth.attack") == 2


def test_the_recaptcha_score_asked_rises_during_an_attack(app, client, auth, recaptcha):
    auth.create_client()
    recaptcha.reply = recaptcha.good_reply(score=0.6)
    with client.session_transaction() as session:
        session["captcha_consent"] = "accept"
    token = {"g-recaptcha-response": "jeton"}
    assert login_from(client, OWNER_IP, **token).status_code == 303
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session["captcha_consent"] = "accept"
    attack_from_many_sources(app)
    assert login_from(client, "203.0.113.77", **token).status_code == 422  # 0.6 < 0.7
    assert login_from(client, OWNER_IP, **token).status_code == 303


# The rate limiter ----------------------------------------------------------------------------


@pytest.mark.settings(
    RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per hour"
)
def test_the_per_account_rate_limit_is_per_source_too(app, client, auth):
    auth.create_client()
    limiter_of(app).reset()
    assert fail_logins(app, client, 3, wait=False) == [422, 422, 429]
    owner = app.test_client()
    assert login_from(owner, OWNER_IP).status_code == 303
    limiter_of(app).reset()
