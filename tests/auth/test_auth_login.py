"""Login: one answer for every refusal, re-hashing (failures: tests/auth/test_login_guard.py)."""

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from models import db
from models.activity import ActivityLog
from models.user import User
from tests.fixtures.accounts import get_user, without_csrf
from tests.fixtures.users import PASSWORD

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


def test_disabled_account_gets_the_same_answer(app, auth):
    user_id = auth.create_client()
    wrong = auth.login(password=WRONG)
    set_user(app, user_id, is_enabled=False)
    refused = auth.login()  # the right password
    assert refused.status_code == wrong.status_code == 422
    assert login_body(refused) == login_body(wrong)
    assert failure_reasons(app)[-1] == "reason=disabled"


def test_ten_failures_never_lock_the_account_itself(app, auth):
    """Before: ten wrong passwords, from anywhere, locked the owner out for 15 minutes."""
    user_id = auth.create_client()
    attacker = app.test_client()
    for n in range(10):
        attacker.post(
            "/auth/login",
            data={"email": "client@example.fr", "password": WRONG},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        )
    response = auth.login()  # the owner, from another address
    assert response.status_code == 303
    assert get_user(app, user_id).attack_notified_at is not None


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
