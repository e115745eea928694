"""Private files: the instance folder is 0700; the SQLite database and mail files are 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from models import db
from services.mail import send_mail
from tests.fixtures.config import ROOT, base_config
from tests.fixtures.mail import deliver_outbox


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    """The usual umask of a shell (0022): files would be 0644 and folders 0755 by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def default_sqlite_app(instance: Path):
    """An app on the default database: the SQLite file in its instance folder."""
    config = base_config("", instance.parent)
    config["INSTANCE_PATH"] = str(instance)
    return create_app(config)


def test_default_database_and_its_folder_are_private(tmp_path):
    instance = tmp_path / "instance"
    app = default_sqlite_app(instance)
    with app.app_context():
        db.create_all()
        db.session.execute(sa.text("CREATE TABLE written (x INTEGER)"))
        db.session.commit()
        files = sorted(instance.glob("espace-client.sqlite*"))
        assert [f.name for f in files][:1] == ["espace-client.sqlite"]
        modes = {f.name: mode(f) for f in files}
        db.engine.dispose()
    assert mode(instance) == 0o700
    assert "espace-client.sqlite-wal" in modes  # SQLite's own files are checked too
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_database_readable_by_others_is_tightened_at_start(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = instance / "espace-client.sqlite"
    database.touch(mode=0o644)
    wal = instance / "espace-client.sqlite-wal"
    wal.touch(mode=0o644)
    default_sqlite_app(instance)
    assert (mode(instance), mode(database), mode(wal)) == (0o700, 0o600, 0o600)


def test_a_configured_sqlite_file_is_private_too(tmp_path):
    database = tmp_path / "ailleurs.sqlite"
    app = create_app(base_config(f"sqlite:///{database}", tmp_path))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    assert mode(database) == 0o600


def test_mail_files_and_their_folder_are_private(app):
    with app.app_context():
        send_mail("marie@example.fr", "test", "Essai")
        db.session.commit()
    assert deliver_outbox(app).sent == 1
    folder = Path(app.config["MAIL_FILE_DIR"])
    [eml] = folder.glob("*.eml")
    assert (mode(folder), mode(eml)) == (0o700, 0o600)


def test_instance_config_is_written_in_a_private_folder(tmp_path):
    from settings import write_instance_config

    config = tmp_path / "instance" / "config.py"
    write_instance_config(config)
    assert (mode(config.parent), mode(config)) == (0o700, 0o600)


@pytest.mark.skipif(not Path("/usr/bin/make").exists(), reason="make is not installed")
def test_make_instance_makes_the_folder_private(tmp_path):
    (tmp_path / "instance").mkdir(mode=0o755)  # as a checkout leaves it (instance/.gitkeep)
    result = subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(ROOT / "Makefile"),
            "-C",
            str(tmp_path),
            "instance",
            f"BIN={Path(sys.executable).parent}",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "instance") == 0o700
    assert mode(tmp_path / "instance" / "config.py") == 0o600
