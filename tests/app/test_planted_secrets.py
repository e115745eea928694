"""Planted secrets never rest in clear: not in the logs, the activity log or a stored mail body.

A client signs up, fails a login, changes and resets a password, records a serial number; an admin
logs in with a code and fails one. Every value typed there is unique and searched afterwards in
what the application keeps: the Python logs of the whole journey (every logger, DEBUG up) and
every column of every table as the database returns it, before the app decrypts anything.
"""

from __future__ import annotations

import logging
import re

import pyotp
import sqlalchemy as sa

from models import db
from models.mail import OutboxMail
from services.crypto import decrypt
from tests.fixtures.hostile import ACCOUNT_FORMS
from tests.fixtures.totp import TEST_TOTP_SECRET
from tests.fixtures.users import PASSWORD

SIGN_UP = "Planté-Inscription-7731!"
WRONG = "Planté-Mauvais-Essai-5520!"
CHANGED = "Planté-Changement-8842!"
RESET = "Planté-Réinitialisé-3317!"
SERIAL = "SN-PLANTE-99137-XQ"
PLANTED = [SIGN_UP, WRONG, CHANGED, RESET, SERIAL, TEST_TOTP_SECRET]
LINK_TOKEN = re.compile(r"/auth/reset/([A-Za-z0-9_\-.]{24,})")


def stored_text(app) -> str:
    """Every value of every table as the database driver returns it (no decryption)."""
    values = []
    with app.app_context(), db.engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in db.metadata.sorted_tables:
            for row in connection.exec_driver_sql(f"SELECT * FROM {quote(table.name)}"):
                values.extend(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
                )
    return "\n".join(values)


def reset_link_token(app, email: str) -> str:
    """The token of the reset link waiting in the outbox (decrypted, as the sender reads it)."""
    with app.app_context():
        mail = db.session.scalars(
            sa.select(OutboxMail)
            .where(OutboxMail.recipient == email, OutboxMail.template == "reset_password")
            .order_by(OutboxMail.id.desc())
        ).first()
        return LINK_TOKEN.search(decrypt(mail.body_text_encrypted)).group(1)


def test_planted_secrets_rest_nowhere_in_clear(app, client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    register = ACCOUNT_FORMS["register"].valid
    email = register["email"]
    answer = client.post(
        "/auth/register", data={**register, "password": SIGN_UP, "password_confirm": SIGN_UP}
    )
    assert answer.status_code == 303
    auth.create_client()  # client@example.fr, verified, with the test password
    assert auth.login(password=WRONG).status_code == 422
    assert auth.login().status_code == 303
    change = {"current_password": PASSWORD, "password": CHANGED, "password_confirm": CHANGED}
    assert client.post("/auth/security/password", data=change).status_code == 303
    device = {"name": "PC", "type": "laptop", "model": "X1", "serial_number": SERIAL, "notes": ""}
    assert client.post("/account/devices/new", data=device).status_code == 303
    client.post("/auth/logout")

    client.post("/auth/reset", data={"email": "client@example.fr"})
    token = reset_link_token(app, "client@example.fr")
    PLANTED.append(token)
    reset = {"password": RESET, "password_confirm": RESET}
    assert client.post(f"/auth/reset/{token}", data=reset).status_code == 303

    auth.create_admin(enrolled=True)
    client.post("/auth/login", data={"email": "admin@example.fr", "password": PASSWORD})
    wrong_code = f"{(int(pyotp.TOTP(TEST_TOTP_SECRET).now()) + 1) % 1_000_000:06d}"
    assert client.post("/auth/totp", data={"code": wrong_code}).status_code == 422
    code = pyotp.TOTP(TEST_TOTP_SECRET).now()
    assert client.post("/auth/totp", data={"code": code}).status_code == 303

    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    at_rest = stored_text(app)
    assert email in at_rest  # the search does read the stored rows
    for secret in PLANTED:
        assert secret not in logs, f"{secret} in the logs"
        assert secret not in at_rest, f"{secret} stored in clear"
    for typed_code in (wrong_code, code):
        assert not re.search(rf"\b{typed_code}\b", logs), "a TOTP code in the logs"
    with app.app_context():
        from models.activity import ActivityLog

        entries = db.session.scalars(sa.select(ActivityLog)).all()
        readable = " ".join(f"{e.action} {e.detail}" for e in entries)
        assert entries and not any(re.search(rf"\b{c}\b", readable) for c in (wrong_code, code)), (
            "a TOTP code in the activity log"
        )
