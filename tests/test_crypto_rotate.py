"""Key rotation: ``flask --app app crypto rotate`` re-encrypts every encrypted column."""

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from blueprints.devices.rules import find_client_ids_by_serial, licence_key, serial_number
from commands.crypto import encrypted_columns
from models import db
from models.device import Device, Licence
from models.user import User
from services.crypto import InvalidToken, decrypt, encrypt
from tests.conftest import TEST_FIELD_KEY
from tests.fixtures.devices import add_device, add_licence, client_id_of

NEW_KEY = Fernet.generate_key().decode()


def test_every_encrypted_column_is_rotated():
    names = {f"{c.table.name}.{c.name}" for c in encrypted_columns()}
    assert {
        "device.serial_number_encrypted",
        "licence.licence_key_encrypted",
        "user.totp_secret_encrypted",
    } <= names


def test_rotation_moves_every_value_to_the_new_key(app, auth, runner):
    user_id = auth.create_client()
    client_id = client_id_of(app, user_id)
    device_ids = [add_device(app, client_id, serial=f"SN-{n}") for n in range(3)]
    add_licence(app, client_id, key="KEY-1")
    with app.app_context():
        db.session.get(User, user_id).totp_secret_encrypted = encrypt("JBSWY3DPEHPK3PXP")
        db.session.commit()

    app.config["FIELD_ENCRYPTION_KEYS"] = [NEW_KEY, TEST_FIELD_KEY]  # new key first
    result = runner.invoke(args=["crypto", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "device.serial_number_encrypted : 3 valeur(s) rechiffrée(s)" in result.output
    assert "licence.licence_key_encrypted : 1 valeur(s)" in result.output
    assert "user.totp_secret_encrypted : 1 valeur(s)" in result.output

    app.config["FIELD_ENCRYPTION_KEYS"] = [NEW_KEY]  # old key removed
    with app.app_context():
        devices = db.session.scalars(sa.select(Device).order_by(Device.id)).all()
        assert [serial_number(d) for d in devices] == ["SN-0", "SN-1", "SN-2"]
        assert [d.id for d in devices] == device_ids
        assert licence_key(db.session.scalar(sa.select(Licence))) == "KEY-1"
        assert decrypt(db.session.get(User, user_id).totp_secret_encrypted) == "JBSWY3DPEHPK3PXP"
        # The blind index does not depend on the encryption keys: search still works.
        assert db.session.scalars(find_client_ids_by_serial("sn-1")).all() == [client_id]
        app.config["FIELD_ENCRYPTION_KEYS"] = [TEST_FIELD_KEY]
        with pytest.raises(InvalidToken):
            serial_number(devices[0])


def test_rotation_reports_values_no_key_can_read(app, auth, runner):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id, serial="SN-LOST")
    app.config["FIELD_ENCRYPTION_KEYS"] = [NEW_KEY]  # the key that wrote it is gone
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code != 0
    assert "illisible" in result.output
