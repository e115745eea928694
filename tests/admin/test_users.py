"""The admin's account list: search, disable, enable, reset link, new admin."""

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.user import ROLE_ADMIN, User
from services import accounts
from tests.fixtures.accounts import get_user, link_in, page_text, sent_mails
from tests.fixtures.clock import made_ago
from tests.fixtures.database import count_rows
from tests.fixtures.login_guard import fail_logins, failure_rows
from tests.fixtures.users import PASSWORD, make_user

NEW_PASSWORD = "Nouveau-Mot-De-Passe-2026!"


def logged_actions(app):
    with app.app_context():
        return db.session.scalars(sa.select(ActivityLog.action).order_by(ActivityLog.id)).all()


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/admin/users"),
        ("get", "/admin/users/new"),
        ("post", "/admin/users/1/disable"),
        ("post", "/admin/users/1/enable"),
        ("post", "/admin/users/1/reset-link"),
        ("post", "/admin/users/1/reset-totp"),
        ("post", "/admin/users/new"),
    ],
)
def test_admin_user_pages_are_404_for_clients(client, auth, method, url):
    auth.create_client()
    auth.login()
    assert getattr(client, method)(url).status_code == 404


def test_users_page_lists_accounts_with_their_client(app, admin_client):
    make_user(app, "marie@example.fr", last_name="Martin", first_name="Marie")
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "marie@example.fr" in html and "Marie Martin" in html
    assert "admin@example.fr" in html


@pytest.mark.parametrize(
    "query,found",
    [
        ("marie@", ["marie@example.fr"]),
        ("DURAND", ["contact@durand.fr"]),
        ("Cabinet", ["contact@durand.fr"]),
        ("example.fr", ["marie@example.fr", "admin@example.fr"]),
        ("100%", []),
    ],
)
def test_users_search_by_address_name_or_company(app, admin_client, query, found):
    make_user(app, "marie@example.fr", last_name="Martin")
    make_user(
        app,
        "contact@durand.fr",
        last_name="Durand",
        company_name="Cabinet Durand",
        category="professionnel",
    )
    html = admin_client.get("/admin/users", query_string={"q": query}).get_data(as_text=True)
    for email in ("marie@example.fr", "contact@durand.fr", "admin@example.fr"):
        assert (f"<td>{email}</td>" in html) is (email in found), email
    if not found:
        assert "Aucun compte ne correspond" in html


def test_users_search_by_role(app, admin_client):
    make_user(app, "marie@example.fr")
    html = admin_client.get("/admin/users", query_string={"role": "admin"}).get_data(as_text=True)
    assert "admin@example.fr" in html and "marie@example.fr" not in html


def test_users_search_answers_a_fragment_to_htmx(app, admin_client, htmx):
    response = admin_client.get("/admin/users", query_string={"q": "admin"}, headers=htmx)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="user-list">')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    page = admin_client.get("/admin/users")
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]


@pytest.mark.settings(PAGE_SIZE=2)
def test_users_list_is_paginated_by_keyset(app, admin_client):
    for n in range(3):
        make_user(app, f"client{n}@example.fr")
    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "client2@example.fr" in first and "client1@example.fr" in first
    assert "client0@example.fr" not in first
    with app.app_context():
        after = db.session.scalar(
            sa.select(User.id).where(User.email_canonical == "client1@example.fr")
        )
    assert f'href="/admin/users?after={after}"' in first
    second = admin_client.get("/admin/users", query_string={"after": after}).get_data(as_text=True)
    assert "client0@example.fr" in second and "admin@example.fr" in second
    assert "client1@example.fr" not in second
    assert 'href="/admin/users?after=' not in second


def test_disabled_account_cannot_log_in_and_its_sessions_end(app, admin_client):
    user_id = make_user(app, "marie@example.fr")
    marie = app.test_client()
    marie.post("/auth/login", data={"email": "marie@example.fr", "password": PASSWORD})
    assert marie.get("/account").status_code == 200
    response = admin_client.post(f"/admin/users/{user_id}/disable")
    assert response.status_code == 303
    assert get_user(app, user_id).is_enabled is False
    assert marie.get("/account").status_code == 302
    refused = marie.post("/auth/login", data={"email": "marie@example.fr", "password": PASSWORD})
    assert refused.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(refused)
    assert "admin.user_disabled" in logged_actions(app)


def test_enabled_account_logs_in_again(app, admin_client):
    user_id = make_user(app, "marie@example.fr")
    admin_client.post(f"/admin/users/{user_id}/disable")
    admin_client.post(f"/admin/users/{user_id}/enable")
    assert get_user(app, user_id).is_enabled is True
    marie = app.test_client()
    response = marie.post("/auth/login", data={"email": "marie@example.fr", "password": PASSWORD})
    assert response.status_code == 303
    assert "admin.user_enabled" in logged_actions(app)


def test_an_admin_cannot_disable_their_own_account(app, admin_client, auth):
    admin_client.post(f"/admin/users/{auth.admin_id}/disable")
    assert get_user(app, auth.admin_id).is_enabled is True
    assert admin_client.get("/admin/users").status_code == 200


def test_disable_unknown_account_is_404(admin_client):
    assert admin_client.post("/admin/users/999999/disable").status_code == 404


def test_admin_sends_a_reset_link(app, admin_client):
    user_id = make_user(app, "marie@example.fr")
    response = admin_client.post(f"/admin/users/{user_id}/reset-link")
    assert response.status_code == 303
    (mail,) = sent_mails(app, "reset_password")
    assert mail.recipient == "marie@example.fr"
    assert "administrateur" in mail.body_text
    marie = app.test_client()
    link = link_in(mail)
    marie.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    login = marie.post("/auth/login", data={"email": "marie@example.fr", "password": NEW_PASSWORD})
    assert login.status_code == 303
    assert "admin.reset_link_sent" in logged_actions(app)


def test_admin_creates_another_admin_who_chooses_a_password(app, admin_client):
    response = admin_client.post("/admin/users/new", data={"email": "Paul@Example.fr"})
    assert response.status_code == 303
    with app.app_context():
        paul = db.session.scalar(sa.select(User).where(User.email_canonical == "paul@example.fr"))
        assert paul.role == ROLE_ADMIN and paul.password_hash is None
    (mail,) = sent_mails(app, "admin_invitation")
    assert mail.recipient == "Paul@example.fr"
    other = app.test_client()
    link = link_in(mail)
    other.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    login = other.post("/auth/login", data={"email": "paul@example.fr", "password": NEW_PASSWORD})
    assert login.status_code == 303
    assert "admin.created" in logged_actions(app)


def test_invitation_link_lasts_longer_than_a_reset_link(app, admin_client):
    admin_client.post("/admin/users/new", data={"email": "paul@example.fr"})
    with app.test_request_context():
        paul = accounts.find_account("paul@example.fr")
        with made_ago(hours=47):
            invitation = accounts.reset_token(paul, invitation=True)
        with made_ago(hours=2):
            reset = accounts.reset_token(paul)
    assert "Choisir un nouveau mot de passe" in page_text(
        admin_client.get(f"/auth/reset/{invitation}")
    )
    assert "a expiré" in page_text(admin_client.get(f"/auth/reset/{reset}"))


@pytest.mark.parametrize(
    "email,message",
    [
        ("admin@EXAMPLE.fr", "Un compte existe déjà"),
        ("pas-une-adresse", "adresse e-mail valide"),
    ],
)
def test_new_admin_form_refuses_bad_addresses(app, admin_client, email, message):
    response = admin_client.post("/admin/users/new", data={"email": email})
    assert response.status_code == 422
    assert message in page_text(response)
    assert count_rows(app, User) == 1


def test_admin_unlocks_a_locked_account(app, admin_client):
    user_id = make_user(app, "marie@example.fr")
    marie = app.test_client()
    fail_logins(app, marie, 10, email="marie@example.fr")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Débloquer" in page and "Connexion suspendue depuis certains réseaux" in page
    admin_client.post(f"/admin/users/{user_id}/enable")
    assert failure_rows(app) == []
    response = marie.post(
        "/auth/login",
        data={"email": "marie@example.fr", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 303


def count_queries(app, client, url) -> int:
    statements = []

    def record(*args):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_users_page_runs_the_same_queries_whatever_the_number_of_accounts(app, admin_client):
    make_user(app, "client0@example.fr")
    few = count_queries(app, admin_client, "/admin/users")
    for n in range(1, 6):
        make_user(app, f"client{n}@example.fr", company_name=f"Société {n}")
    assert count_queries(app, admin_client, "/admin/users") == few


def test_admin_resets_another_admins_lost_totp(app, admin_client):
    from tests.fixtures.totp import enrol

    other_id = make_user(app, "collegue@example.fr", role=ROLE_ADMIN)
    enrol(app, other_id)
    response = admin_client.post(f"/admin/users/{other_id}/reset-totp")
    assert response.status_code in (302, 303)
    other = get_user(app, other_id)
    assert other.totp_secret_encrypted is None and other.totp_enabled_at is None
    assert "totp.reset" in logged_actions(app)
    assert sent_mails(app, "totp_reset", to="collegue@example.fr")
    login = app.test_client().post(
        "/auth/login", data={"email": "collegue@example.fr", "password": PASSWORD}
    )
    assert login.headers["Location"].endswith("/auth/totp/enroll")


def test_admin_cannot_reset_their_own_totp_from_the_list(app, admin_client, auth):
    admin_client.post(f"/admin/users/{auth.admin_id}/reset-totp")
    assert get_user(app, auth.admin_id).totp_secret_encrypted is not None
