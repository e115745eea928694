"""The security page: change password, change e-mail, recent logins."""

import sqlalchemy as sa

from models import db
from models.user import User
from services import accounts
from tests.fixtures.accounts import get_user, link_in, page_text, sent_mails
from tests.fixtures.clock import made_ago
from tests.fixtures.users import PASSWORD

NEW_PASSWORD = "Nouveau-Mot-De-Passe-2026!"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, **headers):
    return client.post(
        "/auth/security/password",
        data={"current_password": current, "password": new, "password_confirm": new},
        headers=headers,
    )


def test_security_page_needs_login(client):
    assert client.get("/auth/security").status_code == 302


def test_security_page_lists_recent_logins(client, auth):
    auth.create_client()
    client.post(
        "/auth/login",
        data={"email": "client@example.fr", "password": PASSWORD},
        headers={"User-Agent": FIREFOX},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    html = client.get("/auth/security").get_data(as_text=True)
    assert "203.0.113.9" in html
    assert "Firefox · Linux" in html


def test_change_password_ends_other_sessions_but_keeps_this_one(app, client, auth):
    auth.create_client()
    auth.login()
    other = app.test_client()
    other.post("/auth/login", data={"email": "client@example.fr", "password": PASSWORD})
    response = change_password(client)
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    (mail,) = sent_mails(app, "password_changed")
    assert mail.recipient == "client@example.fr"
    client.post("/auth/logout")
    assert auth.login(password=NEW_PASSWORD).status_code == 303


def test_change_password_needs_the_current_one(app, client, auth, htmx):
    user_id = auth.create_client()
    auth.login()
    before = get_user(app, user_id).password_hash
    response = change_password(client, current="Pas-Le-Bon-Mot-De-Passe-1!", **htmx)
    assert response.status_code == 422
    html = page_text(response)
    assert html.lstrip().startswith('<div id="change-password">')
    assert "Mot de passe actuel incorrect." in html
    assert get_user(app, user_id).password_hash == before


def test_change_password_follows_the_rule(app, client, auth):
    auth.create_client()
    auth.login()
    response = change_password(client, new="Court-1!")
    assert response.status_code == 422
    assert "au moins 18 caractères" in page_text(response)


def test_change_email_confirms_with_the_new_address(app, client, auth):
    user_id = auth.create_client()
    auth.login()
    response = client.post(
        "/auth/security/email",
        data={"new_email": "Nouvelle@Example.FR", "current_password": PASSWORD},
    )
    assert response.status_code == 303
    confirm, notice = (
        sent_mails(app, "email_change_confirm"),
        sent_mails(app, "email_change_notice"),
    )
    assert [m.recipient for m in confirm] == ["Nouvelle@example.fr"]
    assert [m.recipient for m in notice] == ["client@example.fr"]
    assert "Nouvelle@example.fr" in notice[0].body_text
    assert get_user(app, user_id).email == "client@example.fr"  # not before confirmation
    link = link_in(confirm[0])
    assert client.get(link).status_code == 302
    user = get_user(app, user_id)
    assert (user.email, user.email_canonical) == ("Nouvelle@example.fr", "nouvelle@example.fr")
    assert "plus valable" in page_text(client.get(link))  # single use
    client.post("/auth/logout")
    assert auth.login("nouvelle@example.fr").status_code == 303


def test_change_email_needs_the_password(app, client, auth, htmx):
    auth.create_client()
    auth.login()
    response = client.post(
        "/auth/security/email",
        data={"new_email": "nouvelle@example.fr", "current_password": "faux"},
        headers=htmx,
    )
    assert response.status_code == 422
    assert page_text(response).lstrip().startswith('<div id="change-email">')
    assert sent_mails(app) == []


def test_change_to_a_taken_address_sends_nothing(app, client, auth):
    auth.create_client()
    auth.create_client("autre@example.fr")
    auth.login()
    response = client.post(
        "/auth/security/email",
        data={"new_email": "AUTRE@example.fr", "current_password": PASSWORD},
    )
    assert response.status_code == 303
    assert sent_mails(app) == []


def test_change_email_link_expires(app, client, auth):
    user_id = auth.create_client()
    with app.test_request_context():
        user = db.session.get(User, user_id)
        with made_ago(hours=49):
            token = accounts.email_change_token(user, "nouvelle@example.fr")
    assert "a expiré" in page_text(client.get(f"/auth/email/confirm/{token}"))
    with app.app_context():
        assert db.session.scalar(sa.select(User.email)) == "client@example.fr"


def test_security_page_shows_the_second_factor_state(client, auth):
    auth.create_client()
    auth.login()
    html = client.get("/auth/security").get_data(as_text=True)
    assert 'id="two-factor-status"' in html
    assert "Activer la double authentification" in html
