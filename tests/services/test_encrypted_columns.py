"""Encrypted columns hold the token of their longest allowed value, in 4-byte characters.

Generated over every encrypted column of the schema: a new one is covered the day it is added
(and fails until it declares its longest value and a way to make a row of its table).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commands.crypto import encrypted_columns
from models import ENCRYPTED_MAX_CHARS, db, encrypted_length
from services.crypto import decrypt, encrypt
from services.mail import send_mail
from tests.fixtures.devices import add_device, add_licence, client_id_of

WIDEST = "\U0001f600"  # an emoji: 4 bytes in UTF-8, the most a character takes


def _user(app, auth):
    return auth.create_client()


def _device(app, auth):
    return add_device(app, client_id_of(app, auth.create_client()))


def _licence(app, auth):
    return add_licence(app, client_id_of(app, auth.create_client()))


def _outbox_mail(app, auth):
    with app.app_context():
        mail = send_mail("marie@example.fr", "test", "Essai")
        db.session.commit()
        return mail.id


# One way to make a row of each table that has an encrypted column; its primary key.
ROW_MAKERS = {
    "user": _user,
    "device": _device,
    "licence": _licence,
    "outbox_mail": _outbox_mail,
}


def column_id(column) -> str:
    return f"{column.table.name}.{column.name}"


@pytest.mark.parametrize("column", encrypted_columns(), ids=column_id)
def test_encrypted_column_declares_its_longest_value(column):
    assert isinstance(column.info.get(ENCRYPTED_MAX_CHARS), int), column_id(column)
    assert column.table.name in ROW_MAKERS, f"add a row maker for {column.table.name}"


@pytest.mark.parametrize("column", encrypted_columns(), ids=column_id)
def test_encrypted_column_stores_its_longest_value_in_4_byte_characters(app, auth, column):
    longest = WIDEST * column.info[ENCRYPTED_MAX_CHARS]
    row_id = ROW_MAKERS[column.table.name](app, auth)
    (pk,) = column.table.primary_key.columns
    with app.app_context():
        token = encrypt(longest)
        assert len(token) == encrypted_length(column.info[ENCRYPTED_MAX_CHARS])
        db.session.execute(column.table.update().where(pk == row_id).values({column.name: token}))
        db.session.commit()
        stored = db.session.scalar(sa.select(column).where(pk == row_id))
        assert decrypt(stored) == longest


@pytest.mark.parametrize(("chars", "length"), [(0, 100), (80, 524), (100, 632), (255, 1444)])
def test_encrypted_length_is_the_fernet_token_length(app, chars, length):
    with app.app_context():
        assert len(encrypt(WIDEST * chars)) == encrypted_length(chars) == length


def test_the_forms_limits_are_the_declared_longest_values():
    from blueprints.devices.forms import LICENCE_KEY_MAX, SERIAL_MAX
    from models.device import Device, Licence
    from models.user import TOTP_SECRET_MAX
    from services.totp import new_secret

    assert Device.__table__.c.serial_number_encrypted.info[ENCRYPTED_MAX_CHARS] == SERIAL_MAX
    assert Licence.__table__.c.licence_key_encrypted.info[ENCRYPTED_MAX_CHARS] == LICENCE_KEY_MAX
    assert len(new_secret()) <= TOTP_SECRET_MAX


def test_a_serial_number_of_emoji_at_the_form_limit_is_saved(app, client, auth):
    """80 emoji overflowed the column on MariaDB ("Data too long", a 500) before its resizing."""
    from blueprints.devices.rules import serial_number
    from models.device import SERIAL_MAX, Device

    auth.create_client()
    auth.login()
    response = client.post(
        "/account/devices/new",
        data={"name": "PC", "type": "laptop", "serial_number": WIDEST * SERIAL_MAX},
    )
    assert response.status_code == 303, response.status
    with app.app_context():
        assert serial_number(db.session.scalar(sa.select(Device))) == WIDEST * SERIAL_MAX
