"""The schema: personal data declared on every column; migrations match the models."""

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import CATEGORIES, RETENTION, db
from tests.fixtures.config import base_config


def all_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            yield table.name, column


def test_every_column_declares_whether_it_holds_personal_data():
    undeclared = [f"{t}.{c.name}" for t, c in all_columns() if "personal" not in c.info]
    assert undeclared == []


def test_personal_columns_have_a_known_category_and_retention():
    for table, column in all_columns():
        if column.info.get("personal"):
            assert column.info["category"] in CATEGORIES, f"{table}.{column.name}"
            assert column.info["retention"] in RETENTION, f"{table}.{column.name}"


def test_email_and_names_are_declared_personal():
    user = db.metadata.tables["user"]
    client = db.metadata.tables["client"]
    assert user.c.email.info["category"] == "identification"
    assert client.c.last_name.info["category"] == "contact"
    assert client.c.company_name.info["category"] == "company"


def test_upgrade_from_empty_then_models_match_migrations(empty_database, tmp_path):
    app = create_app(base_config(empty_database, tmp_path))
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()


OUTBOX_ENCRYPTION = "2483153e5ded"  # the migration that encrypts the outbox's bodies


def test_outbox_migration_encrypts_waiting_bodies_and_drops_sent_ones(empty_database, tmp_path):
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade

    from services.crypto import decrypt

    app = create_app(base_config(empty_database, tmp_path))
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision(OUTBOX_ENCRYPTION).down_revision
        upgrade(revision=before)
        insert = sa.text(
            "INSERT INTO outbox_mail (created_at, recipient, subject, body_text, body_html, "
            "template, status, attempts, next_attempt_at) VALUES "
            "('2026-01-01', 'a@example.fr', 'S', :text, :html, 't', :status, 0, '2026-01-01')"
        )
        with db.engine.begin() as connection:
            for status in ("pending", "sent"):
                connection.execute(
                    insert, {"text": status, "html": f"<p>{status}</p>", "status": status}
                )
        upgrade(revision=OUTBOX_ENCRYPTION)
        query = sa.text(
            "SELECT status, body_text_encrypted, body_html_encrypted FROM outbox_mail ORDER BY id"
        )
        with db.engine.connect() as connection:
            (pending, sent) = connection.execute(query).all()
        assert pending[1] != "pending"  # never left in clear
        assert (decrypt(pending[1]), decrypt(pending[2])) == ("pending", "<p>pending</p>")
        assert (sent[1], sent[2]) == (None, None)

        downgrade(revision=before)
        query = sa.text("SELECT status, body_text, body_html FROM outbox_mail ORDER BY id")
        with db.engine.connect() as connection:
            rows = connection.execute(query).all()
        assert [tuple(row) for row in rows] == [
            ("pending", "pending", "<p>pending</p>"),
            ("sent", "", None),
        ]
        db.engine.dispose()


FIRST_REVISION = "8a8f60a54fff"


def test_a_database_of_the_first_revision_upgrades_to_head_without_loss(empty_database, tmp_path):
    """An installation made at the very first release, with an account, a client and a log
    entry in it, upgrades through every migration and keeps them usable."""
    from services.passwords import hash_password
    from tests.fixtures.users import PASSWORD

    app = create_app(base_config(empty_database, tmp_path))
    with app.app_context():
        upgrade(revision=FIRST_REVISION)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO user (id, email, email_canonical, password_hash, role, "
                    "is_enabled, locale, created_at, email_verified_at, session_version, "
                    "failed_login_count, lockout_count) VALUES (1, 'Ancien@Example.fr', "
                    "'ancien@example.fr', :hash, 'client', :yes, 'fr', '2025-01-02 10:00:00', "
                    "'2025-01-02 10:05:00', 1, 0, 0)"
                ),
                {"hash": hash_password(PASSWORD), "yes": True},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO client (id, user_id, category, last_name, first_name, "
                    "address_line1, postcode, city, country, phone, created_at, updated_at) "
                    "VALUES (1, 1, 'individual', 'Ancien', 'Paul', '1 rue des Lilas', '83400', "
                    "'Hyères', 'FR', '+33612345678', '2025-01-02 10:00:00', "
                    "'2025-01-02 10:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO activity_log (created_at, actor_id, actor_role, action, "
                    "outcome) VALUES ('2025-01-02 10:06:00', 1, 'client', 'auth.login', "
                    "'success')"
                )
            )
        upgrade()
        from models.activity import ActivityLog
        from models.client import Client
        from models.user import User

        client_row = db.session.get(Client, 1)
        assert (client_row.last_name, client_row.city, client_row.phone) == (
            "Ancien",
            "Hyères",
            "+33612345678",
        )
        assert db.session.get(User, 1).email == "Ancien@Example.fr"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivityLog)) == 1
        result = app.test_cli_runner().invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    response = app.test_client().post(
        "/auth/login", data={"email": "ancien@example.fr", "password": PASSWORD}
    )
    assert response.status_code in (302, 303)
    assert "/auth/login" not in response.headers["Location"]
    with app.app_context():
        db.engine.dispose()
