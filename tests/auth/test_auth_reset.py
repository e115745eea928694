"""Password reset: one answer for every address, a single-use link valid one hour."""

import pytest

from models import db
from models.user import User
from services import accounts
from tests.fixtures.accounts import link_in, page_text, sent_mails, without_csrf
from tests.fixtures.clock import made_ago
from tests.fixtures.login_guard import fail_logins
from tests.fixtures.users import PASSWORD

NEW_PASSWORD = "Nouveau-Mot-De-Passe-2026!"


def new_password(password=NEW_PASSWORD):
    return {"password": password, "password_confirm": password}


def reset_link(app, client, email="client@example.fr") -> str:
    client.post("/auth/reset", data={"email": email})
    return link_in(sent_mails(app, "reset_password")[-1])


def token_for(app, user_id, **kwargs) -> str:
    with app.test_request_context():
        return accounts.reset_token(db.session.get(User, user_id), **kwargs)


def test_reset_request_says_the_same_whatever_the_address(app, client, auth):
    auth.create_client()
    known = client.post("/auth/reset", data={"email": "client@example.fr"}, follow_redirects=True)
    unknown = client.post(
        "/auth/reset", data={"email": "inconnu@example.fr"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)) == without_csrf(
        unknown.get_data(as_text=True)
    )
    (mail,) = sent_mails(app)
    assert mail.recipient == "client@example.fr" and mail.template == "reset_password"


def test_reset_link_sets_a_new_password_and_ends_every_session(app, client, auth):
    auth.create_client()
    other = app.test_client()
    other.post("/auth/login", data={"email": "client@example.fr", "password": PASSWORD})
    assert other.get("/account").status_code == 200
    link = reset_link(app, client)
    assert client.get(link).status_code == 200
    response = client.post(link, data=new_password())
    assert response.status_code == 303
    assert other.get("/account").status_code == 302
    assert auth.login(password=PASSWORD).status_code == 422
    assert auth.login(password=NEW_PASSWORD).status_code == 303
    assert [m.template for m in sent_mails(app)] == ["reset_password", "password_changed"]


def test_reset_link_works_once(app, client, auth):
    auth.create_client()
    link = reset_link(app, client)
    client.post(link, data=new_password())
    second = client.post(link, data=new_password("Encore-Un-Autre-Secret-77!"))
    assert "a déjà servi" in page_text(second)
    assert auth.login(password=NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "minutes_ago,valid", [(59, True), (61, False)], ids=["59-minutes", "61-minutes"]
)
def test_reset_link_is_valid_one_hour(app, client, auth, minutes_ago, valid):
    user_id = auth.create_client()
    with made_ago(minutes=minutes_ago):
        token = token_for(app, user_id)
    response = client.get(f"/auth/reset/{token}")
    text = page_text(response)
    assert ("Choisir un nouveau mot de passe" in text) is valid
    assert ("Ce lien a expiré" in text) is not valid


def test_reset_link_dies_after_a_password_change(app, client, auth):
    auth.create_client()
    link = reset_link(app, client)
    auth.login()
    client.post(
        "/auth/security/password",
        data={"current_password": PASSWORD, **new_password()},
    )
    client.post("/auth/logout")
    assert "a déjà servi ou le mot de passe a changé" in page_text(client.get(link))


def test_reset_refuses_a_password_outside_the_rule(app, client, auth):
    auth.create_client()
    link = reset_link(app, client)
    response = client.post(link, data=new_password("Client-Example-Fr-2026!"))
    assert response.status_code == 422
    assert "ne pas contenir votre adresse e-mail" in page_text(response)
    assert auth.login().status_code == 303  # the old password still works


def test_reset_lifts_a_lock_out(app, client, auth):
    auth.create_client()
    fail_logins(app, client, 10, ip="127.0.0.1")  # the test client's own address
    assert "suspendue" in page_text(auth.login())
    link = reset_link(app, client)
    client.post(link, data=new_password())
    assert auth.login(password=NEW_PASSWORD).status_code == 303


def test_no_reset_mail_for_a_disabled_account(app, client, auth):
    user_id = auth.create_client()
    with app.app_context():
        db.session.get(User, user_id).is_enabled = False
        db.session.commit()
    client.post("/auth/reset", data={"email": "client@example.fr"})
    assert sent_mails(app) == []


@pytest.mark.settings(MAIL_BASE_URL="https://espace.example.fr")
def test_reset_link_ignores_a_forged_host_header(app, client, auth):
    auth.create_client()
    client.post(
        "/auth/reset", data={"email": "client@example.fr"}, headers={"Host": "attaquant.example"}
    )
    text = sent_mails(app, "reset_password")[-1].body_text
    assert "https://espace.example.fr/auth/reset/" in text
    assert "attaquant.example" not in text
