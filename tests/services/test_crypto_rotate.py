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
from tests.fixtures.config import TEST_FIELD_KEY
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


# Keys of the keyed hashes: each rotates on its own, and none depends on SECRET_KEY any more.

OLD, NEW = "old-key-0123456789abcdefghij", "new-key-0123456789abcdefghij"


def recovery_codes_of(app, user_id):
    from services.totp import replace_recovery_codes

    with app.app_context():
        codes = replace_recovery_codes(db.session.get(User, user_id))
        db.session.commit()
        return codes


def spend(app, user_id, code) -> bool:
    from services.totp import use_recovery_code

    with app.app_context():
        spent = use_recovery_code(db.session.get(User, user_id), code)
        db.session.commit()
        return spent


@pytest.mark.settings(RECOVERY_CODE_KEY=OLD)
def test_rotating_the_recovery_code_key_keeps_codes_usable(app, auth, runner):
    user_id = auth.create_client()
    old_codes = recovery_codes_of(app, user_id)
    app.config["RECOVERY_CODE_KEY"] = [NEW, OLD]
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "RECOVERY_CODE_KEY" in result.output
    assert spend(app, user_id, old_codes[0])  # made under the previous key
    new_codes = recovery_codes_of(app, user_id)
    app.config["RECOVERY_CODE_KEY"] = [NEW]  # old key removed once the codes are renewed
    assert spend(app, user_id, new_codes[0])
    assert not spend(app, user_id, old_codes[1])  # died with the renewal anyway


@pytest.mark.settings(BLIND_INDEX_KEY=OLD)
def test_rotating_the_blind_index_key_keeps_the_serial_search_working(app, auth, runner):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id, serial="SN-ABC-1")
    app.config["BLIND_INDEX_KEY"] = NEW
    with app.app_context():
        assert db.session.scalars(find_client_ids_by_serial("snabc1")).all() == []
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "BLIND_INDEX_KEY : 1 index de recherche recalculé(s)" in result.output
    with app.app_context():
        assert db.session.scalars(find_client_ids_by_serial("sn abc 1")).all() == [client_id]


@pytest.mark.settings(ACTIVITY_SEAL_KEY=OLD)
def test_rotating_the_seal_key_keeps_the_chain_verifying(app, auth, runner):
    auth.create_client()
    auth.login()  # entries sealed under the old key
    app.config["ACTIVITY_SEAL_KEY"] = [NEW, OLD]
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "entrée(s) du journal rescellée(s)" in result.output
    app.config["ACTIVITY_SEAL_KEY"] = NEW
    result = runner.invoke(args=["activity", "verify"])
    assert result.exit_code == 0, result.output
    auth.login()  # new entries chain on under the new key
    assert runner.invoke(args=["activity", "verify"]).exit_code == 0
    app.config["ACTIVITY_SEAL_KEY"] = OLD
    assert runner.invoke(args=["activity", "verify"]).exit_code == 1


@pytest.mark.settings(ACTIVITY_SEAL_KEY=OLD)
def test_rotation_does_not_bless_an_altered_chain(app, auth, runner):
    auth.create_client()
    auth.login()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE activity_log SET detail = 'forged'"))
        seals = connection.execute(sa.text("SELECT seal FROM activity_log")).scalars().all()
    app.config["ACTIVITY_SEAL_KEY"] = [NEW, OLD]
    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code != 0
    assert "ne correspond à aucune clé" in result.output
    with app.app_context():
        assert db.session.scalars(sa.text("SELECT seal FROM activity_log")).all() == seals


def test_legacy_keys_keep_older_data_after_secret_key_changes(app, auth, runner):
    """An installation from before these settings: pin the printed keys, then change SECRET_KEY."""
    user_id = auth.create_client()
    client_id = client_id_of(app, user_id)
    add_device(app, client_id, serial="SN-OLD")
    codes = recovery_codes_of(app, user_id)
    auth.login()  # sealed under the key derived from SECRET_KEY
    result = runner.invoke(args=["crypto", "legacy-keys"])
    assert result.exit_code == 0, result.output
    pinned = dict(line.removeprefix("FLASK_").split("=", 1) for line in result.output.split())
    assert set(pinned) == {"RECOVERY_CODE_KEY", "BLIND_INDEX_KEY", "ACTIVITY_SEAL_KEY"}
    app.config.update(pinned, SECRET_KEY="a-brand-new-secret-key-0123456789abcdefgh")
    assert runner.invoke(args=["activity", "verify"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(find_client_ids_by_serial("sn-old")).all() == [client_id]
    assert spend(app, user_id, codes[0])


@pytest.mark.settings(
    RECOVERY_CODE_KEY=OLD, BLIND_INDEX_KEY=OLD + "-index", ACTIVITY_SEAL_KEY=OLD + "-seal"
)
def test_changing_secret_key_breaks_none_of_the_keyed_hashes(app, auth, runner):
    user_id = auth.create_client()
    client_id = client_id_of(app, user_id)
    add_device(app, client_id, serial="SN-KEPT")
    codes = recovery_codes_of(app, user_id)
    auth.login()
    app.config["SECRET_KEY"] = "a-brand-new-secret-key-0123456789abcdefgh"
    assert runner.invoke(args=["activity", "verify"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(find_client_ids_by_serial("sn-kept")).all() == [client_id]
    assert spend(app, user_id, codes[0])
