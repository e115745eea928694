"""Backups: an archive encrypted to a public key, copied to a second site and rotated; verified
(every checksum, a scratch load) and restored into an empty database and file store, with the
erasures made since replayed; a flipped byte, a truncated file or another key refused."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from models import db
from models.backup import BackupRun
from models.client import Client
from models.ticket import Ticket
from services import file_store
from services.backup import run_lock, to_keep
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.database import count_rows, empty_all_tables
from tests.fixtures.devices import client_id_of
from tests.fixtures.tickets import add_ticket


@pytest.fixture
def keys(app, runner, tmp_path):
    identity = tmp_path / "cle-privee.txt"
    result = runner.invoke(args=["backup", "keygen", str(identity)])
    assert result.exit_code == 0, result.output
    public = result.output.rsplit(": ", 1)[1].strip()
    site = tmp_path / "second-site"
    site.mkdir()
    app.config.update(BACKUP_PUBLIC_KEY=public, BACKUP_TARGETS=[str(site)])
    return identity, site


@pytest.fixture
def data(app, auth):
    ids = [
        client_id_of(app, auth.create_client(email=f"c{n}@example.fr", last_name=f"Nom{n}"))
        for n in range(3)
    ]
    for client_id in ids:
        add_ticket(app, client_id)
    with app.app_context():
        stored = file_store.save(b"%PDF-1.7 contenu de test").name
    return ids, stored


def archive_of(site: Path) -> Path:
    (archive,) = sorted(site.glob("espace-client-*.tar.age"))
    return archive


def create(runner):
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    return result


def wipe(app) -> None:
    with app.app_context():
        empty_all_tables()
        for path in file_store.root().rglob("*"):
            if path.is_file():
                path.unlink()


def test_keygen_writes_an_owner_only_identity_and_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "cle.txt"
    result = runner.invoke(args=["backup", "keygen", str(path)])
    assert result.exit_code == 0 and "age1" in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "AGE-SECRET-KEY-" in path.read_text()
    again = runner.invoke(args=["backup", "keygen", str(path)])
    assert again.exit_code != 0 and "existe déjà" in again.output


def test_round_trip_create_verify_restore(app, runner, keys, data):
    identity, site = keys
    ids, stored = data
    result = create(runner)
    assert "fichier(s)" in result.output and "copiée" in result.output
    archive = archive_of(site)
    assert b"Nom0" not in archive.read_bytes()  # encrypted
    assert count_rows(app, BackupRun, BackupRun.ok.is_(True)) == 1

    verified = runner.invoke(args=["backup", "verify", str(archive), "--identity", str(identity)])
    assert verified.exit_code == 0, verified.output
    assert "rechargée sans erreur" in verified.output

    before = {model: count_rows(app, model) for model in (Client, Ticket)}
    wipe(app)
    restored = runner.invoke(args=["backup", "restore", str(archive), "--identity", str(identity)])
    assert restored.exit_code == 0, restored.output
    assert {model: count_rows(app, model) for model in (Client, Ticket)} == before
    with app.app_context():
        assert db.session.get(Client, ids[1]).last_name == "Nom1"
        assert file_store.path(stored).read_bytes() == b"%PDF-1.7 contenu de test"


def test_restore_refuses_a_database_that_is_not_empty(app, runner, keys, data):
    identity, site = keys
    create(runner)
    result = runner.invoke(
        args=["backup", "restore", str(archive_of(site)), "--identity", str(identity)]
    )
    assert result.exit_code != 0 and "la base n'est pas vide" in result.output


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_archive_is_refused(app, runner, keys, data, damage):
    identity, site = keys
    create(runner)
    archive = archive_of(site)
    content = bytearray(archive.read_bytes())
    if damage == "flip":
        content[len(content) // 2] ^= 0x01
    else:
        content = content[: len(content) - 100]
    archive.write_bytes(bytes(content))
    for command in ("verify", "restore"):
        result = runner.invoke(args=["backup", command, str(archive), "--identity", str(identity)])
        assert result.exit_code != 0
        assert "Archive refusée" in result.output, result.output


def test_another_key_cannot_read_it(app, runner, keys, data, tmp_path):
    _identity, site = keys
    create(runner)
    other = tmp_path / "autre.txt"
    runner.invoke(args=["backup", "keygen", str(other)])
    result = runner.invoke(
        args=["backup", "verify", str(archive_of(site)), "--identity", str(other)]
    )
    assert result.exit_code != 0 and "autre clé" in result.output


def test_an_erasure_made_after_the_backup_is_replayed_at_restore(app, runner, keys, data):
    from services.erasure import erase_client

    identity, site = keys
    ids, _stored = data
    create(runner)
    with app.app_context():
        erase_client(ids[0])
    ledger = Path(app.config["ERASURE_LEDGER_FILE"])
    assert ledger.read_text().count("client_key") == 1
    wipe(app)
    result = runner.invoke(
        args=["backup", "restore", str(archive_of(site)), "--identity", str(identity)]
    )
    assert result.exit_code == 0, result.output
    assert "1 client(s) effacé(s) de nouveau" in result.output
    with app.app_context():
        assert db.session.get(Client, ids[0]) is None
        assert db.session.get(Client, ids[1]) is not None
    # The restored outbox predates the erasure; erasing again sends no second farewell.
    assert sent_mails(app, "erasure_done") == []


def test_the_second_site_gets_the_ledger_with_each_backup(app, runner, keys, data):
    from services.erasure import erase_client

    _identity, site = keys
    ids, _stored = data
    with app.app_context():
        erase_client(ids[2])
    create(runner)
    assert "client_key" in (site / "erasure-ledger.jsonl").read_text()


def test_without_a_key_or_a_target_nothing_is_written(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code != 0 and "BACKUP_TARGETS" in result.output
    app.config["BACKUP_TARGETS"] = [str(tmp_path)]
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code != 0 and "BACKUP_PUBLIC_KEY" in result.output
    assert list(tmp_path.glob("*.age")) == []


def test_a_missing_target_fails_the_run_and_is_recorded(app, runner, keys, data, tmp_path):
    _identity, site = keys
    app.config["BACKUP_TARGETS"] = [str(site), str(tmp_path / "absent")]
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 1 and "ÉCHEC" in result.output
    assert count_rows(app, BackupRun, BackupRun.ok.is_(False)) == 1
    assert archive_of(site).exists()


def test_overlapping_runs_do_nothing(app, runner, keys, data):
    _identity, site = keys
    with app.app_context(), run_lock() as mine:
        assert mine
        result = runner.invoke(args=["backup", "create"])
    assert "déjà en cours" in result.output
    assert list(site.glob("*.age")) == []


def test_rotation_keeps_the_last_days_and_the_first_of_each_month():
    names = [
        f"espace-client-2026{m:02d}{d:02d}-0300{s:02d}.tar.age"
        for m in (1, 2, 3)
        for d in (1, 15, 28)
        for s in (0, 1)
    ]
    keep = to_keep(names, daily=2, monthly=2)
    assert keep == {
        "espace-client-20260328-030001.tar.age",  # last of the last day
        "espace-client-20260315-030001.tar.age",
        "espace-client-20260301-030000.tar.age",  # first of March
        "espace-client-20260201-030000.tar.age",  # first of February
    }


def test_the_admin_home_shows_the_last_backup_and_warns_when_late(
    app, client, auth, runner, keys, data
):
    auth.create_admin(enrolled=True)
    with time_machine.travel(datetime(2026, 12, 1, 3, tzinfo=UTC), tick=False):
        create(runner)
    with time_machine.travel(datetime(2026, 12, 1, 20, tzinfo=UTC), tick=False):
        auth.login("admin@example.fr", totp=True)
        page = page_text(client.get("/admin"))
        assert "dernière réussie le" in page and "depuis plus de 26 heures" not in page
    with time_machine.travel(datetime(2026, 12, 2, 6, tzinfo=UTC), tick=False):
        auth.login("admin@example.fr", totp=True)  # the earlier session has timed out
        page = page_text(client.get("/admin"))
        assert "depuis plus de 26 heures" in page


def test_the_admin_home_says_when_no_backup_is_configured(app, client, auth):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    assert "Aucune sauvegarde n'est configurée" in page_text(client.get("/admin"))


def test_an_sftp_target_gets_the_archive_and_the_ledger(app, runner, keys, data, sshd):
    from services.erasure import erase_client

    identity, _site = keys
    ids, _stored = data
    with app.app_context():
        erase_client(ids[0])
    app.config.update(
        BACKUP_TARGETS=[sshd.target()],
        BACKUP_SFTP_KEY=str(sshd.client_key),
        BACKUP_SFTP_KNOWN_HOSTS=str(sshd.known_hosts),
    )
    result = create(runner)
    assert "copiée" in result.output
    archive = archive_of(sshd.folder)
    assert "client_key" in (sshd.folder / "erasure-ledger.jsonl").read_text()
    verified = runner.invoke(args=["backup", "verify", str(archive), "--identity", str(identity)])
    assert verified.exit_code == 0, verified.output


def test_an_sftp_server_with_an_unknown_key_is_refused(app, runner, keys, data, sshd, tmp_path):
    other = tmp_path / "other_known_hosts"
    other.write_text(
        f"[127.0.0.1]:{sshd.port} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
    )
    app.config.update(
        BACKUP_TARGETS=[sshd.target()],
        BACKUP_SFTP_KEY=str(sshd.client_key),
        BACKUP_SFTP_KNOWN_HOSTS=str(other),
    )
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 1 and "ÉCHEC" in result.output
    assert list(sshd.folder.glob("*.age")) == []
    assert count_rows(app, BackupRun, BackupRun.ok.is_(False)) == 1


def test_a_backup_taken_while_tickets_are_written_is_consistent(app, runner, keys, data):
    """A writer keeps opening tickets (each with its first message) during the backup: the
    archive holds whole tickets only, and restores to exactly the counts of its manifest."""
    import threading
    import time

    from models.ticket import TicketMessage
    from services.backup import opened_archive, read_identity

    identity, site = keys
    ids, _stored = data
    stop = threading.Event()
    written = []

    def writer():
        while not stop.is_set():
            written.append(add_ticket(app, ids[1], title=f"Ticket {len(written)}"))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            time.sleep(0.01)
        create(runner)
    finally:
        stop.set()
        thread.join()
    archive = archive_of(site)
    with app.app_context(), opened_archive(archive, read_identity(identity)) as (manifest, _f):
        counts = {name: part["rows"] for name, part in manifest["tables"].items()}
    assert counts["ticket"] >= 3 and counts["ticket_message"] == counts["ticket"]
    wipe(app)
    result = runner.invoke(args=["backup", "restore", str(archive), "--identity", str(identity)])
    assert result.exit_code == 0, result.output
    assert count_rows(app, Ticket) == counts["ticket"]
    assert count_rows(app, TicketMessage) == counts["ticket_message"]


def test_on_mariadb_a_native_dump_goes_along(app, runner, keys, data):
    import shutil

    from services.backup import opened_archive, read_identity

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql") or not shutil.which(
        "mysqldump"
    ):
        pytest.skip("MariaDB and mysqldump only")
    identity, site = keys
    create(runner)
    with (
        app.app_context(),
        opened_archive(archive_of(site), read_identity(identity)) as (
            manifest,
            folder,
        ),
    ):
        assert manifest["mysqldump"]["size"] > 0
        assert "CREATE TABLE `ticket`" in (folder / "database.sql").read_text()
