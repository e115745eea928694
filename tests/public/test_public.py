"""Public pages, language choice and the health check."""

import html

import pytest
import sqlalchemy as sa

from models import db


def test_home_in_french_by_default(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html and "Votre Espace Client" in html


def test_english_from_accept_language(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_language_choice_is_kept_in_the_session(client):
    client.post("/langue", data={"locale": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_language_choice_is_stored_on_the_account(app, client, auth):
    from models.user import User

    user_id = auth.create_client()
    auth.login()
    client.post("/langue", data={"locale": "en", "next": "/account"})
    with app.app_context():
        assert db.session.get(User, user_id).locale == "en"


def test_footer_links_to_privacy_and_legal_pages(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/confidentialite"' in html and 'href="/mentions-legales"' in html
    privacy = client.get("/confidentialite").get_data(as_text=True)
    assert "E.M.P COMPUTER INFORMATIQUE" in privacy
    assert "18 caractères" in privacy


def test_privacy_page_sends_erasure_requests_to_the_ticket_form(client):
    """The policy's way: the "Sujet" field of the ticket form; e-mail for whoever cannot log in."""
    privacy = client.get("/confidentialite").get_data(as_text=True)
    assert 'href="/tickets/new?subject=erasure"' in privacy
    assert "Suppression de mon espace client" in privacy
    assert "Autre demande sur mes données personnelles" in privacy
    assert 'href="mailto:contact@empcomputer-assistanceinformatique.com"' in privacy


def test_health_ok_reveals_nothing(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    from app import create_app
    from tests.fixtures.config import base_config

    url = "sqlite:////nonexistent-dir/never/db.sqlite"
    response = create_app(base_config(url, tmp_path)).test_client().get("/health")
    assert response.status_code == 503
    assert "nonexistent" not in response.get_data(as_text=True)


def test_dates_formatted_in_french_and_paris_time(app):
    from datetime import datetime

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        render = app.jinja_env.from_string("{{ when|datetime('list') }} {{ amount|euros }}")
        text = render.render(when=datetime(2026, 7, 1, 10, 30), amount=1234.5)
    assert "1 juil. 2026, 12:30" in text
    assert "1\u202f234,50\xa0€" in text or "1 234,50 €" in text.replace("\u202f", " ").replace(
        "\xa0", " "
    )


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_form_validator_messages_follow_the_language(client):
    french = client.post("/auth/login", data={"email": "x" * 300, "password": "p"})
    english = client.post(
        "/auth/login",
        data={"email": "x" * 300, "password": "p"},
        headers={"Accept-Language": "en"},
    )
    assert french.status_code == english.status_code == 422
    assert "ne peut pas contenir plus de 254 caractères" in french.get_data(as_text=True)
    assert "cannot be longer than 254 characters" in english.get_data(as_text=True)


def test_mariadb_connections_are_recycled_and_utf8mb4_and_pinged_only_when_idle(app):
    from settings import engine_options

    options = engine_options(
        {"SQLALCHEMY_DATABASE_URI": "mysql+pymysql://u@h/db", "MYSQL_POOL_RECYCLE_S": 280}
    )
    assert options["pool_pre_ping"] is False and options["pool_recycle"] == 280
    assert options["pool_reset_on_return"] is None  # app.rollback_on_return_when_needed
    assert options["connect_args"]["charset"] == "utf8mb4"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        with app.app_context():
            charset = db.session.execute(sa.text("SELECT @@character_set_connection")).scalar()
            assert charset == "utf8mb4"


@pytest.mark.settings(MYSQL_PING_IDLE_S=0)
def test_an_idle_mariadb_connection_killed_by_the_server_is_replaced_before_use(app, client):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        pytest.skip("MariaDB only: SQLite has no server to lose")
    with app.app_context():
        first = db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
        db.session.remove()  # back to the pool
        killer = sa.create_engine(db.engine.url)  # not the pool: it would hand out `first`
        with killer.connect() as other:
            other.execute(sa.text(f"KILL {int(first)}"))
        killer.dispose()
        # The next checkout finds the dead connection (idle for 0 s or more) and replaces it.
        second = db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
        assert second != first
    assert client.get("/health").status_code == 200


def test_favicon_ico_is_the_icon_fallback(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'href="/favicon.ico"' in client.get("/").get_data(as_text=True)


def test_robots_txt_keeps_the_portal_out_of_search_engines(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).splitlines() == ["User-agent: *", "Disallow: /"]


@pytest.mark.settings(
    RETENTION_AFTER_END_DAYS=400,
    RETENTION_NOTICE_DAYS=20,
    ACTIVITY_LOG_RETENTION_DAYS=180,
    INVOICE_ARCHIVE_YEARS=11,
)
def test_privacy_page_states_the_configured_retention(client):
    privacy = html.unescape(client.get("/confidentialite").get_data(as_text=True))
    assert "conservées 400 jours après la fin de votre dernière intervention" in privacy
    assert "20 jours avant cette date" in privacy
    assert "journal d'activité est conservé 180 jours" in privacy
    assert "conservées 11 ans" in privacy


def test_privacy_page_names_google_only_when_recaptcha_is_on(app, client):
    privacy = html.unescape(client.get("/confidentialite").get_data(as_text=True))
    assert "Google (qui peut traiter" not in privacy
    assert "Aucune donnée n'est transférée hors de l'Union européenne." in privacy
    assert "Google" not in privacy.split('id="destinataires"')[1].split('id="droits"')[0]
    app.config.update(
        CAPTCHA_PROVIDER="recaptcha", RECAPTCHA_SITE_KEY="site", RECAPTCHA_SECRET_KEY="secret"
    )
    privacy = html.unescape(client.get("/confidentialite").get_data(as_text=True))
    assert "Google (qui peut traiter ces informations aux États-Unis)" in privacy


def cookie_names(response) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_every_cookie_a_visit_sets_is_listed_on_the_privacy_page(app, client, auth):
    """No cookie escapes the list (web/cookies.py) that the privacy page reads."""
    from web.cookies import cookies_of

    auth.create_client()
    seen: set[str] = set()
    for url in ("/", "/auth/login", "/auth/register", "/confidentialite"):
        seen |= cookie_names(client.get(url))
    seen |= cookie_names(auth.login())
    for url in ("/account", "/tickets", "/invoices", "/contracts", "/account/privacy"):
        seen |= cookie_names(client.get(url))
    seen |= cookie_names(client.post("/langue", data={"locale": "en", "next": "/"}))
    from tests.fixtures.totp import TEST_TOTP_SECRET, fresh_code
    from tests.fixtures.users import PASSWORD

    admin_id = auth.create_admin(email="admin2@example.fr", enrolled=True)
    admin = app.test_client()
    seen |= cookie_names(
        admin.post("/auth/login", data={"email": "admin2@example.fr", "password": PASSWORD})
    )
    code = fresh_code(app, admin_id, TEST_TOTP_SECRET)
    seen |= cookie_names(admin.post("/auth/totp", data={"code": code}))
    seen |= cookie_names(admin.get("/admin"))
    with app.app_context():
        listed = {cookie.name for cookie in cookies_of(app.config)}
    assert seen and seen <= listed
    privacy = client.get("/confidentialite").get_data(as_text=True)
    assert all(f"<code>{name}</code>" in privacy for name in listed)


def _session_rollbacks() -> int:
    return int(db.session.execute(sa.text("SHOW SESSION STATUS LIKE 'Com_rollback'")).one()[1])


def test_a_mariadb_connection_back_in_the_pool_is_rolled_back_once(app):
    """The session's rollback ends the request's transaction: the pool sends no second one."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        pytest.skip("MariaDB only: SQLite's rollback is a local call")
    with app.app_context():
        first = db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
        before = _session_rollbacks()
        db.session.remove()  # the end of a request: rollback, back to the pool
        assert db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar() == first
        assert _session_rollbacks() - before == 1


def test_a_mariadb_connection_returned_in_a_transaction_is_rolled_back(app):
    """A connection used outside the session (raw) and given back mid-transaction is reset."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        pytest.skip("MariaDB only")
    with app.app_context():
        first = db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
        db.session.remove()
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT @@in_transaction")
        assert cursor.fetchone()[0] == 1
        cursor.close()
        raw.close()  # back to the pool with the transaction open
        assert db.session.execute(sa.text("SELECT CONNECTION_ID()")).scalar() == first
        assert db.session.execute(sa.text("SELECT @@in_transaction")).scalar() == 0
