"""The outbox at rest: bodies encrypted while waiting, blanked once sent, old rows purged.

The bodies hold live links (password reset, address verification, e-mail change, invitations):
whoever reads the database or a backup must find none of them.
"""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.mail import STATUS_FAILED, STATUS_PENDING, STATUS_SENT, OutboxMail
from services.crypto import decrypt
from services.mail import send_mail
from tests.fixtures.database import count_rows
from tests.fixtures.mail import deliver_outbox, eml_for, outbox_for, text_and_html
from tests.fixtures.users import PASSWORD

TO = "marie.martin@example.fr"
NEW_CLIENT = {
    "email": "nouveau.client@example.fr",
    "last_name": "Nouveau",
    "first_name": "Client",
    "company_name": "",
}
# The mails whose links open an account, and the addresses they go to in the test below.
LINK_MAILS = {
    "verify_email": "jean.dupont@example.fr",
    "reset_password": "client@example.fr",
    "email_change_confirm": "nouvelle@example.fr",
    "client_invitation": "nouveau.client@example.fr",
    "admin_invitation": "paul@example.fr",
}
_TOKEN = re.compile(r"https?://[^/\s]+/\S*?([A-Za-z0-9_\-.]{24,})")


def queue(app, to=TO) -> int:
    with app.app_context():
        mail = send_mail(to, "test", "Essai")
        db.session.commit()
        return mail.id


def stored_row(app, mail_id: int) -> dict:
    """The row as the database holds it, column by column."""
    with app.app_context():
        table = OutboxMail.__table__
        return dict(
            db.session.execute(sa.select(table).where(table.c.id == mail_id)).mappings().one()
        )


def test_waiting_mail_bodies_are_stored_encrypted(app):
    mail_id = queue(app)
    row = stored_row(app, mail_id)
    assert "body_text" not in row and "body_html" not in row
    for column in ("body_text_encrypted", "body_html_encrypted"):
        assert "sait vous écrire" not in row[column]
        with app.app_context():
            assert "sait vous écrire" in decrypt(row[column])


def test_sending_blanks_the_bodies_and_keeps_the_trace(app):
    mail_id = queue(app)
    before = stored_row(app, mail_id)
    assert deliver_outbox(app).sent == 1
    after = stored_row(app, mail_id)
    assert (after["body_text_encrypted"], after["body_html_encrypted"]) == (None, None)
    assert after["status"] == STATUS_SENT and after["sent_at"] is not None
    for kept in ("recipient", "subject", "template", "created_at", "message_id"):
        assert after[kept] == before[kept], kept
    # What was delivered is the whole mail, decrypted just for the sending.
    text, html = text_and_html(eml_for(app, TO)[0])
    assert "sait vous écrire" in text and "sait vous écrire" in html


@pytest.mark.settings(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_MAX_ATTEMPTS=1)
def test_a_mail_that_fails_for_good_is_blanked_too(app):
    app.config["MAIL_PORT"] = closed_port()
    mail_id = queue(app)
    deliver_outbox(app)
    row = stored_row(app, mail_id)
    assert row["status"] == STATUS_FAILED
    assert (row["body_text_encrypted"], row["body_html_encrypted"]) == (None, None)


@pytest.mark.settings(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_MAX_ATTEMPTS=3)
def test_a_mail_that_will_be_retried_keeps_its_encrypted_bodies(app):
    app.config["MAIL_PORT"] = closed_port()
    mail_id = queue(app)
    deliver_outbox(app)
    [mail] = outbox_for(app, TO)
    assert (mail.id, mail.status) == (mail_id, STATUS_PENDING)
    assert "sait vous écrire" in mail.body_text


def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def age_rows(app, **values_by_id) -> None:
    with app.app_context():
        for mail_id, values in values_by_id.items():
            db.session.execute(
                sa.update(OutboxMail).where(OutboxMail.id == int(mail_id)).values(**values)
            )
        db.session.commit()


@pytest.mark.parametrize("retention", [30, 7])
def test_mail_send_deletes_sent_and_failed_mails_after_the_retention(app, runner, retention):
    app.config["MAIL_RETENTION_DAYS"] = retention
    now = utcnow()
    old, recent = now - timedelta(days=retention, hours=1), now - timedelta(days=retention - 1)
    ids = {
        name: queue(app, f"{name}@example.fr")
        for name in ("old-sent", "recent-sent", "old-failed", "recent-failed", "old-pending")
    }
    age_rows(
        app,
        **{
            str(ids["old-sent"]): {"status": STATUS_SENT, "sent_at": old, "created_at": old},
            str(ids["recent-sent"]): {"status": STATUS_SENT, "sent_at": recent},
            str(ids["old-failed"]): {"status": STATUS_FAILED, "next_attempt_at": old},
            str(ids["recent-failed"]): {"status": STATUS_FAILED, "next_attempt_at": recent},
            # A waiting mail is never purged, however old: it is still to be sent.
            str(ids["old-pending"]): {"created_at": old, "next_attempt_at": now + timedelta(1)},
        },
    )
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert f"2 courriel(s) de plus de {retention} jours supprimé(s)" in result.output
    with app.app_context():
        left = set(db.session.scalars(sa.select(OutboxMail.recipient)))
    assert left == {
        f"{name}@example.fr" for name in ("recent-sent", "recent-failed", "old-pending")
    }


def test_retention_is_declared_with_a_default_of_thirty_days():
    from settings import Defaults

    assert Defaults.MAIL_RETENTION_DAYS == 30


# --- No link left in the database ----------------------------------------------------------


def mail_every_kind_of_link(app, admin_client, auth) -> None:
    """Through the pages, cause every mail that carries a link opening an account."""
    admin_client.post("/admin/users/new", data={"email": "paul@example.fr"})
    admin_client.post("/admin/clients/new", data=NEW_CLIENT)
    visitor = app.test_client()
    visitor.post(
        "/auth/register",
        data={
            "email": "jean.dupont@example.fr",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "category": "particulier",
            "accept_privacy": "y",
        },
    )
    auth.create_client()
    visitor.post("/auth/reset", data={"email": "client@example.fr"})
    owner = app.test_client()
    owner.post("/auth/login", data={"email": "client@example.fr", "password": PASSWORD})
    owner.post(
        "/auth/security/email",
        data={"new_email": "nouvelle@example.fr", "current_password": PASSWORD},
    )


def tokens_mailed(app) -> dict[str, set[str]]:
    """The tokens of the links in the delivered ``.eml`` files, per template."""
    found = {}
    for template, address in LINK_MAILS.items():
        tokens = set()
        for message in eml_for(app, address):
            for body in text_and_html(message):
                tokens.update(_TOKEN.findall(body))
        found[template] = tokens
    return found


def database_bytes(app) -> bytes:
    """Every byte the database holds: the SQLite files (with WAL and journal), or every row."""
    with app.app_context():
        engine = db.engine
        if engine.url.get_backend_name() == "sqlite":
            path = Path(engine.url.database)
            files = [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]
            return b"".join(f.read_bytes() for f in files if f.exists())
        chunks = []
        with engine.connect() as connection:
            for name in sa.inspect(connection).get_table_names():
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                for row in connection.execute(sa.select(table)):
                    chunks.extend(str(value).encode() for value in row)
        return b"\x00".join(chunks)


def test_no_token_of_a_mailed_link_is_left_in_the_database(app, admin_client, auth, runner):
    mail_every_kind_of_link(app, admin_client, auth)
    assert count_rows(app, OutboxMail, OutboxMail.status == STATUS_PENDING) >= len(LINK_MAILS)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output

    tokens = tokens_mailed(app)
    assert all(tokens.values()), tokens  # every kind of link was mailed, and its token read
    stored = database_bytes(app)
    # The scan reads the live data: what is stored in clear (the addresses) is found.
    assert all(address.encode() in stored for address in LINK_MAILS.values())
    left = {
        template: token
        for template, found in tokens.items()
        for token in found
        if token.encode() in stored
    }
    assert left == {}


# --- Key rotation ---------------------------------------------------------------------------


def test_crypto_rotate_re_encrypts_waiting_bodies_and_leaves_blanked_ones(app, runner):
    from cryptography.fernet import Fernet

    from tests.fixtures.config import TEST_FIELD_KEY

    queue(app, "sent@example.fr")
    deliver_outbox(app)
    waiting_id = queue(app)
    new_key = Fernet.generate_key().decode()
    app.config["FIELD_ENCRYPTION_KEYS"] = [new_key, TEST_FIELD_KEY]
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "outbox_mail.body_text_encrypted : 1 valeur(s) rechiffrée(s)" in result.output
    assert "outbox_mail.body_html_encrypted : 1 valeur(s) rechiffrée(s)" in result.output

    app.config["FIELD_ENCRYPTION_KEYS"] = [new_key]  # the old key is gone
    [waiting] = outbox_for(app, TO)
    assert waiting.id == waiting_id and "sait vous écrire" in waiting.body_text
    [sent] = outbox_for(app, "sent@example.fr")
    assert (sent.body_text, sent.body_html) == (None, None)
    assert deliver_outbox(app).sent == 1


def test_rotation_never_brings_back_a_body_blanked_meanwhile(app, monkeypatch):
    """A mail sent while the rotation runs keeps its blank bodies (no old token written back)."""
    import commands.crypto as crypto_command
    from services.mail_delivery import BLANK_BODIES

    mail_id = queue(app)
    real_rotate = crypto_command.rotate

    def rotate_while_the_mail_is_sent(token):
        db.session.execute(
            sa.update(OutboxMail).where(OutboxMail.id == mail_id).values(**BLANK_BODIES)
        )
        return real_rotate(token)

    monkeypatch.setattr(crypto_command, "rotate", rotate_while_the_mail_is_sent)
    with app.app_context():
        rotated, failed = crypto_command.rotate_column(OutboxMail.__table__.c.body_text_encrypted)
    assert (rotated, failed) == (0, [])
    assert stored_row(app, mail_id)["body_text_encrypted"] is None
