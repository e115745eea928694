"""A password that meets the policy's rule by padding one character or a run is refused.

The policy's published rule stays (18 characters, lower, upper, digit, special); zxcvbn then
scores it, and a guessable one is explained in French next to the field, on every form where a
password is chosen.
"""

from __future__ import annotations

import html

import pytest

from models import db
from models.user import User
from services import accounts
from services.account_rules import password_problems, strength_problem
from services.invitations import invitation_token
from tests.fixtures.users import PASSWORD, make_user

WEAK = "Aaaaaaaaaaaaaaaaa1!"
STRONG = "Nouveau-Mot-De-Passe-2026!"
EXPLAINED = "être plus difficile à deviner : évitez les caractères ou les groupes répétés"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Aaaaaaaaaaaaaaaaa1!", "évitez les caractères ou les groupes répétés"),
        ("Abababababababab1!", "évitez les caractères ou les groupes répétés"),
        ("Abcdefghijklmnopq1!", "évitez les suites"),
        ("Aa1!" + "a" * 60, "évitez les caractères ou les groupes répétés"),
    ],
)
def test_padded_passwords_are_explained_in_french(app, password, why):
    with app.test_request_context():
        problems = [str(p) for p in password_problems(password)]
    assert len(problems) == 1 and why in problems[0], problems


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        STRONG,
        "Demonstration-Espace-2026!",  # the demo accounts (commands/demo.py)
        "Banc-Essai-Enumeration-2026!",  # bench/enumeration_timing.py
        "Un Autre Mot De Passe 7?",
        "a" * 60 + "Zq7!vL2#pX9@kW4$mR",  # strong at its end
    ],
)
def test_passwords_of_the_demo_tests_and_bench_are_strong(app, password):
    with app.test_request_context():
        assert password_problems(password) == []


def test_the_demo_password_passes():
    from commands.demo import DEMO_PASSWORD

    assert strength_problem(DEMO_PASSWORD) is None


def test_the_address_counts_as_a_hint(app):
    with app.test_request_context():
        assert strength_problem("Durandlaurent83!!!", ["durandlaurent"]) is not None


def _explained(response) -> None:
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert EXPLAINED in page
    assert WEAK not in page  # a password is never sent back


def test_register_refuses_a_padded_password(client):
    data = {"email": "n@example.fr", "password": WEAK, "password_confirm": WEAK}
    _explained(client.post("/auth/register", data={**data, "accept_privacy": "y"}))


def test_the_live_check_explains_it_too(client, htmx):
    response = client.post("/auth/register/password-check", data={"password": WEAK}, headers=htmx)
    assert EXPLAINED in html.unescape(response.get_data(as_text=True))


def test_reset_refuses_a_padded_password(app, client):
    user_id = make_user(app)
    with app.test_request_context():
        token = accounts.reset_token(db.session.get(User, user_id))
    data = {"password": WEAK, "password_confirm": WEAK}
    _explained(client.post(f"/auth/reset/{token}", data=data))
    data = {"password": STRONG, "password_confirm": STRONG}
    assert client.post(f"/auth/reset/{token}", data=data).status_code == 303


def test_change_password_refuses_a_padded_password(client, auth):
    auth.create_client()
    auth.login()
    data = {"current_password": PASSWORD, "password": WEAK, "password_confirm": WEAK}
    _explained(client.post("/auth/security/password", data=data))


def test_invitation_refuses_a_padded_password(app, client):
    user_id = make_user(app, email="invite@example.fr")
    with app.test_request_context():
        user = db.session.get(User, user_id)
        user.password_hash = None
        db.session.commit()
        token = invitation_token(user)
    response = client.post(f"/account/invitation/{token}", data={"password": WEAK, "confirm": WEAK})
    assert response.status_code == 422
    assert "deviner" in html.unescape(response.get_data(as_text=True))
    data = {"password": STRONG, "confirm": STRONG}
    assert client.post(f"/account/invitation/{token}", data=data).status_code == 303
