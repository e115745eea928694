"""Login: one answer for every refusal, lock-out after repeated failures, re-hashing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from models import db, utcnow
from models.activity import ActivityLog
from models.user import User
from services.accounts import lockout_duration
from tests.conftest import PASSWORD
from tests.fixtures.accounts import get_user, sent_mails, without_csrf

WRONG = "Mauvais-Mot-De-Passe-42!"


def login_body(response, email: str | None = None) -> str:
    """The page without CSRF tokens and the typed address, so two refusals can be compared."""
    body = without_csrf(response.get_data(as_text=True))
    return body.replace(email, "EMAIL") if email else body


def set_user(app, user_id, **values):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(**values))
        db.session.commit()


def failure_reasons(app):
    with app.app_context():
        return db.session.scalars(
            sa.select(ActivityLog.detail)
            .where(ActivityLog.action == "auth.login", ActivityLog.outcome == "failure")
            .order_by(ActivityLog.id)
        ).all()


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx-fragment"])
def test_unknown_email_and_wrong_password_are_indistinguishable(app, auth, htmx, fragment):
    auth.create_client()
    headers = htmx if fragment else {}
    unknown = auth._client.post(
        "/auth/login", data={"email": "inconnu@example.fr", "password": WRONG}, headers=headers
    )
    wrong = auth._client.post(
        "/auth/login", data={"email": "client@example.fr", "password": WRONG}, headers=headers
    )
    assert unknown.status_code == wrong.status_code == 422
    assert login_body(unknown, "inconnu@example.fr") == login_body(wrong, "client@example.fr")
    assert failure_reasons(app) == ["reason=unknown", "reason=password"]


@pytest.mark.parametrize(
    "state,reason",
    [
        ({"is_enabled": False}, "disabled"),
        ({"locked_until": utcnow() + timedelta(minutes=10)}, "locked"),
    ],
)
def test_disabled_or_locked_account_gets_the_same_answer(app, auth, state, reason):
    user_id = auth.create_client()
    wrong = auth.login(password=WRONG)
    set_user(app, user_id, **state)
    refused = auth.login()  # the right password
    assert refused.status_code == wrong.status_code == 422
    assert login_body(refused) == login_body(wrong)
    assert failure_reasons(app)[-1] == f"reason={reason}"


def test_ten_failures_lock_the_account_and_mail_its_owner(app, auth):
    user_id = auth.create_client()
    for _ in range(9):
        auth.login(password=WRONG)
    assert get_user(app, user_id).locked_until is None
    assert sent_mails(app) == []
    auth.login(password=WRONG)
    user = get_user(app, user_id)
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    (mail,) = sent_mails(app, "account_locked")
    assert mail.recipient == "client@example.fr"
    assert "15 minutes" in mail.body_text
    assert auth.login().status_code == 422  # even the right password, while locked
    with app.app_context():
        assert db.session.scalar(
            sa.select(sa.func.count()).where(ActivityLog.action == "auth.locked")
        )


def test_each_new_lock_out_lasts_longer(app, auth):
    user_id = auth.create_client()
    for _ in range(10):
        auth.login(password=WRONG)
    set_user(app, user_id, locked_until=utcnow() - timedelta(seconds=1))
    for _ in range(10):
        auth.login(password=WRONG)
    user = get_user(app, user_id)
    assert user.lockout_count == 2
    assert timedelta(minutes=29) < user.locked_until - utcnow() <= timedelta(minutes=30)
    assert len(sent_mails(app, "account_locked")) == 2


@pytest.mark.parametrize(
    "count,minutes", [(1, 15), (2, 30), (3, 60), (7, 960), (8, 1440), (20, 1440)]
)
def test_lockout_duration_doubles_up_to_a_day(app, count, minutes):
    with app.app_context():
        assert lockout_duration(count) == timedelta(minutes=minutes)


def test_a_successful_login_clears_the_failures(app, auth):
    user_id = auth.create_client()
    for _ in range(9):
        auth.login(password=WRONG)
    assert auth.login().status_code == 303
    assert get_user(app, user_id).failed_login_count == 0


def test_password_is_rehashed_when_the_parameters_change(app, auth):
    user_id = auth.create_client()
    old = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    set_user(app, user_id, password_hash=old)
    assert auth.login().status_code == 303
    new = get_user(app, user_id).password_hash
    assert new != old and new.startswith("$argon2id$") and "t=1" in new


def test_login_email_is_case_insensitive(auth):
    auth.create_client("Marie.Martin@example.fr")
    assert auth.login("  MARIE.martin@EXAMPLE.FR ").status_code == 303
