"""Backups: an encrypted, self-checking archive of the database and the file store.

``flask --app app backup create`` takes a consistent snapshot while the app runs: SQLite through
its online backup API (a copy read afterwards), MariaDB/MySQL in one transaction ``WITH
CONSISTENT SNAPSHOT``. Every table is written as JSON lines (portable between the two
databases; on MariaDB a ``mysqldump --single-transaction`` goes along when it is installed, for
the database's own tools), with the stored files and a manifest (row counts and SHA-256 of each table and file,
schema revision, date), in one tar archive encrypted to ``BACKUP_PUBLIC_KEY`` (age): the server
that writes backups cannot read them. The archive is copied to each directory of
``BACKUP_TARGETS`` (a mounted second site, or ``sftp://user@host:port/path``), with the erasure
ledger next to it, and old archives
are rotated (``BACKUP_KEEP_DAILY`` days, ``BACKUP_KEEP_MONTHLY`` months).

``backup verify`` decrypts an archive, checks every checksum and loads it into a scratch SQLite
database. ``backup restore`` loads it into the configured database (migrated, empty) and file
store (empty), then replays the erasure ledger: a client erased after the backup is erased again.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pyrage
import sqlalchemy as sa
from flask import current_app

from models import Base, db, utcnow
from models.backup import BackupRun
from services import file_store
from services.private_files import private_directory

FORMAT = 1
SUFFIX = ".tar.age"
PREFIX = "espace-client-"
STAMP = "%Y%m%d-%H%M%S"
MANIFEST = "manifest.json"
LEDGER_FILE_NAME = "erasure-ledger.jsonl"
CHUNK = 1 << 16


class BackupError(RuntimeError):
    """A backup cannot be made, read or restored; the message says why, in French."""


# ------------------------------------------------------------------ keys


def keygen(path: Path) -> str:
    """Write a new age identity to ``path`` (owner-only) and return its public key."""
    if path.exists():
        raise BackupError(f"{path} existe déjà : choisissez un autre fichier.")
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(f"# created: {utcnow().isoformat()}\n# public key: {public}\n{identity}\n")
    return public


def read_identity(path: str | Path | None) -> pyrage.x25519.Identity:
    """The age identity of file ``path`` (or ``BACKUP_IDENTITY``)."""
    path = path or current_app.config.get("BACKUP_IDENTITY")
    if not path:
        raise BackupError("Indiquez la clé privée : --identity FICHIER ou BACKUP_IDENTITY.")
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as error:
        raise BackupError(f"Clé privée illisible ({path}) : {error.strerror}") from error
    secret = next((line.strip() for line in lines if line.startswith("AGE-SECRET-KEY-")), None)
    if secret is None:
        raise BackupError(f"{path} ne contient pas de clé privée age.")
    return pyrage.x25519.Identity.from_str(secret)


def recipient() -> pyrage.x25519.Recipient:
    key = current_app.config.get("BACKUP_PUBLIC_KEY")
    if not key:
        raise BackupError("BACKUP_PUBLIC_KEY manque : créez une clé avec « backup keygen ».")
    try:
        return pyrage.x25519.Recipient.from_str(key.strip())
    except pyrage.RecipientError as error:
        raise BackupError("BACKUP_PUBLIC_KEY n'est pas une clé publique age valide.") from error


# ------------------------------------------------------------------ values


def _to_json(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(column: sa.Column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return time.fromisoformat(value)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal(value)
    return value


def tables() -> list[sa.Table]:
    """Every table of the model, parents first (the revision is read apart: ``_revision``)."""
    return list(Base.metadata.sorted_tables)


# ------------------------------------------------------------------ create


@dataclass
class BackupReport:
    name: str = ""
    size: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    targets: dict[str, str | None] = field(default_factory=dict)  # target -> error or None

    @property
    def ok(self) -> bool:
        return bool(self.targets) and all(error is None for error in self.targets.values())


@contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """A connection that reads one consistent state of the database."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / "snapshot.sqlite"
            source = engine.raw_connection()
            try:
                import sqlite3

                target = sqlite3.connect(copy)
                source.driver_connection.backup(target)  # SQLite's online backup API
                target.close()
            finally:
                source.close()
            snapshot = sa.create_engine(f"sqlite:///{copy}")
            try:
                with snapshot.connect() as connection:
                    yield connection
            finally:
                snapshot.dispose()
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("ROLLBACK")


def _revision(connection: sa.Connection) -> str | None:
    try:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def _dump(connection: sa.Connection, folder: Path) -> dict:
    """Write each table as JSON lines; return the manifest's tables part."""
    described = {}
    (folder / "tables").mkdir()
    for table in tables():
        digest = hashlib.sha256()
        count = 0
        key = [column for column in table.primary_key.columns] or list(table.columns)
        with open(folder / "tables" / f"{table.name}.jsonl", "wb") as out:
            result = connection.execution_options(yield_per=1000).execute(
                sa.select(table).order_by(*key)
            )
            for row in result.mappings():
                line = (
                    json.dumps(
                        {name: _to_json(value) for name, value in row.items()},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                    + "\n"
                ).encode("utf-8")
                out.write(line)
                digest.update(line)
                count += 1
        described[table.name] = {"rows": count, "sha256": digest.hexdigest()}
    return described


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store_files() -> list[tuple[str, Path]]:
    """Every stored file, with its name relative to the store (the store shards in folders)."""
    root = file_store.root()
    if not root.is_dir():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file()
    )


def _mysqldump(folder: Path) -> dict | None:
    """On MariaDB/MySQL with ``mysqldump`` installed, a native SQL dump as well (one
    ``--single-transaction``), for a restore with the database's own tools; None otherwise."""
    url = db.engine.url
    binary = shutil.which("mysqldump")
    if db.engine.dialect.name != "mysql" or binary is None:
        return None
    target = folder / "database.sql"
    env = {**os.environ, "MYSQL_PWD": url.password or ""}
    command = [
        binary,
        "--single-transaction",
        "--quick",
        "--routines",
        "--default-character-set=utf8mb4",
        f"--host={url.host or 'localhost'}",
        f"--port={url.port or 3306}",
        f"--user={url.username or ''}",
        url.database or "",
    ]
    with open(target, "wb") as out:
        # The arguments come from the configured database URL, never from a request.
        finished = subprocess.run(  # noqa: S603
            command, stdout=out, stderr=subprocess.PIPE, env=env, check=False
        )
    if finished.returncode != 0:
        raise BackupError(f"mysqldump a échoué : {finished.stderr.decode(errors='replace')[:300]}")
    return {"size": target.stat().st_size, "sha256": _sha256_of(target)}


def archive_name(now: datetime) -> str:
    return f"{PREFIX}{now.strftime(STAMP)}{SUFFIX}"


def make_archive(out: Path, now: datetime) -> BackupReport:
    """Write the encrypted archive ``out``; returns what it holds."""
    report = BackupReport(name=out.name)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "backup"
        folder.mkdir()
        with _snapshot() as connection:
            revision = _revision(connection)
            described = _dump(connection, folder)
        native = _mysqldump(folder)
        files = {}
        stored = _store_files()
        for name, path in stored:
            files[name] = {"size": path.stat().st_size, "sha256": _sha256_of(path)}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "revision": revision,
            "database": db.engine.dialect.name,
            "tables": described,
            "files": files,
            "mysqldump": native,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        plain = Path(scratch) / "backup.tar"
        with tarfile.open(plain, "w") as archive:
            archive.add(folder / MANIFEST, arcname=MANIFEST)
            archive.add(folder / "tables", arcname="tables")
            if native:
                archive.add(folder / "database.sql", arcname="database.sql")
            for name, path in stored:
                archive.add(path, arcname=f"files/{name}")
        pyrage.encrypt_file(str(plain), str(out), [recipient()])
    report.size = out.stat().st_size
    report.rows = {name: part["rows"] for name, part in described.items()}
    report.files = len(files)
    return report


@contextmanager
def run_lock() -> Iterator[bool]:
    """True when this run holds the backup lock; False when another run holds it."""
    path = Path(current_app.instance_path) / "backup.lock"
    private_directory(path.parent)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def targets() -> list[str]:
    configured = current_app.config.get("BACKUP_TARGETS") or []
    return [configured] if isinstance(configured, str) else list(configured)


def ledger_file() -> Path:
    return Path(current_app.config["ERASURE_LEDGER_FILE"])


def is_sftp(target: str) -> bool:
    return target.startswith("sftp://")


@contextmanager
def sftp_folder(target: str):
    """An SFTP session on ``sftp://user@host:port/path`` and the folder's path: the server's key
    checked against ``BACKUP_SFTP_KNOWN_HOSTS`` (an unknown or changed key is refused), the
    client's key from ``BACKUP_SFTP_KEY``."""
    import paramiko

    config = current_app.config
    url = urlsplit(target)
    known_hosts = config.get("BACKUP_SFTP_KNOWN_HOSTS")
    if not known_hosts:
        raise BackupError(
            "BACKUP_SFTP_KNOWN_HOSTS manque : la clé du serveur ne serait pas vérifiée"
        )
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            url.hostname,
            port=url.port or 22,
            username=url.username,
            key_filename=config.get("BACKUP_SFTP_KEY"),
            look_for_keys=False,
            allow_agent=False,
            timeout=30,
        )
        sftp = client.open_sftp()
    except (paramiko.SSHException, OSError) as error:
        client.close()
        raise BackupError(f"connexion SFTP impossible : {error}") from error
    try:
        yield sftp, url.path or "."
    finally:
        client.close()


def _put(sftp, local: Path, folder: str, name: str) -> None:
    partial = f"{folder}/.{name}.partial"
    sftp.put(str(local), partial)
    sftp.posix_rename(partial, f"{folder}/{name}")


def _copy_to(target: str, archive: Path) -> None:
    if is_sftp(target):
        with sftp_folder(target) as (sftp, folder):
            _put(sftp, archive, folder, archive.name)
            if ledger_file().exists():
                _put(sftp, ledger_file(), folder, LEDGER_FILE_NAME)
            _rotate_names(sftp.listdir(folder), lambda name: sftp.remove(f"{folder}/{name}"))
        return
    folder = Path(target)
    if not folder.is_dir():
        raise BackupError(f"dossier cible absent : {target}")
    partial = folder / f".{archive.name}.partial"
    shutil.copyfile(archive, partial)
    os.replace(partial, folder / archive.name)
    if ledger_file().exists():
        partial = folder / f".{LEDGER_FILE_NAME}.partial"
        shutil.copyfile(ledger_file(), partial)
        os.replace(partial, folder / LEDGER_FILE_NAME)


def to_keep(names: list[str], daily: int, monthly: int) -> set[str]:
    """The archives rotation keeps: the last of each of the ``daily`` most recent days, and the
    first of each of the ``monthly`` most recent months."""
    dated = sorted(
        (datetime.strptime(name[len(PREFIX) : -len(SUFFIX)], STAMP), name)
        for name in names
        if name.startswith(PREFIX) and name.endswith(SUFFIX)
    )
    last_of_day: dict[date, str] = {}
    first_of_month: dict[tuple[int, int], str] = {}
    for moment, name in dated:
        last_of_day[moment.date()] = name
        first_of_month.setdefault((moment.year, moment.month), name)
    days = sorted(last_of_day, reverse=True)[:daily]
    months = sorted(first_of_month, reverse=True)[:monthly]
    return {last_of_day[day] for day in days} | {first_of_month[month] for month in months}


def _rotate_names(names: list[str], remove) -> int:
    names = [name for name in names if name.startswith(PREFIX) and name.endswith(SUFFIX)]
    config = current_app.config
    keep = to_keep(names, int(config["BACKUP_KEEP_DAILY"]), int(config["BACKUP_KEEP_MONTHLY"]))
    removed = 0
    for name in names:
        if name not in keep:
            remove(name)
            removed += 1
    return removed


def rotate(target: str) -> int:
    """Delete the archives of directory ``target`` that rotation does not keep."""
    folder = Path(target)
    return _rotate_names(
        [path.name for path in folder.iterdir()], lambda name: (folder / name).unlink()
    )


def create_backup(now: datetime | None = None) -> BackupReport:
    """Make an archive and copy it to every target, each result recorded (``backup_run``)."""
    now = now or utcnow()
    if not targets():
        raise BackupError("BACKUP_TARGETS est vide : indiquez au moins un dossier cible.")
    recipient()  # refuse early, before any work
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / archive_name(now)
        report = make_archive(archive, now)
        for target in targets():
            try:
                _copy_to(target, archive)
                if not is_sftp(target):
                    rotate(target)
                report.targets[target] = None
            except Exception as error:  # one target's failure must not stop the others
                report.targets[target] = (str(error) or type(error).__name__)[:500]
            db.session.add(
                BackupRun(
                    target=target,
                    name=report.name,
                    size=report.size,
                    ok=report.targets[target] is None,
                    error=report.targets[target],
                    finished_at=utcnow(),
                )
            )
    db.session.commit()
    return report


def last_successes() -> dict[str, datetime | None]:
    """The last successful copy to each configured target (None: never)."""
    found = dict(
        db.session.execute(
            sa.select(BackupRun.target, sa.func.max(BackupRun.finished_at))
            .where(BackupRun.ok.is_(True))
            .group_by(BackupRun.target)
        ).all()
    )
    return {target: found.get(target) for target in targets()}


# ------------------------------------------------------------------ read, verify, restore


@contextmanager
def opened_archive(path: str | Path, identity) -> Iterator[tuple[dict, Path]]:
    """Decrypt and unpack ``path``, check every checksum; yields (manifest, folder)."""
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / "backup.tar"
        try:
            pyrage.decrypt_file(str(path), str(plain), [identity])
        except (pyrage.DecryptError, OSError) as error:
            raise BackupError(
                "Archive refusée : illisible, altérée, tronquée ou chiffrée pour une autre clé."
            ) from error
        folder = Path(scratch) / "backup"
        try:
            with tarfile.open(plain) as archive:
                archive.extractall(folder, filter="data")
            manifest = json.loads((folder / MANIFEST).read_text())
        except (tarfile.TarError, OSError, ValueError) as error:
            raise BackupError("Archive refusée : son contenu est incomplet.") from error
        _check(manifest, folder)
        yield manifest, folder


def _check(manifest: dict, folder: Path) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError("Archive refusée : format inconnu.")
    for name, part in manifest["tables"].items():
        path = folder / "tables" / f"{name}.jsonl"
        if not path.is_file() or _sha256_of(path) != part["sha256"]:
            raise BackupError(f"Archive refusée : la table {name} ne correspond pas au manifeste.")
    native = manifest.get("mysqldump")
    if native and _sha256_of(folder / "database.sql") != native["sha256"]:
        raise BackupError("Archive refusée : database.sql ne correspond pas au manifeste.")
    for name, part in manifest["files"].items():
        path = folder / "files" / name
        if not path.is_file() or _sha256_of(path) != part["sha256"]:
            raise BackupError(f"Archive refusée : le fichier {name} ne correspond pas.")


def _rows(folder: Path, table: sa.Table) -> Iterator[dict]:
    columns = {column.name: column for column in table.columns}
    path = folder / "tables" / f"{table.name}.jsonl"
    if not path.exists():
        return
    with open(path, encoding="utf-8") as source:
        for line in source:
            row = json.loads(line)
            yield {
                name: _from_json(columns[name], value)
                for name, value in row.items()
                if name in columns
            }


def _load(connection: sa.Connection, folder: Path, manifest: dict) -> dict[str, int]:
    loaded = {}
    for table in tables():
        if table.name not in manifest["tables"]:
            continue
        batch, count = [], 0
        for row in _rows(folder, table):
            batch.append(row)
            if len(batch) >= 500:
                connection.execute(table.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
            count += len(batch)
        loaded[table.name] = count
    return loaded


def verify_backup(path: str | Path, identity) -> dict:
    """Check ``path`` and load it into a scratch SQLite database; returns its manifest."""
    with (
        opened_archive(path, identity) as (manifest, folder),
        tempfile.TemporaryDirectory() as scratch,
    ):
        engine = sa.create_engine(f"sqlite:///{Path(scratch) / 'verify.sqlite'}")
        try:
            Base.metadata.create_all(engine)
            with engine.begin() as connection:
                loaded = _load(connection, folder, manifest)
        finally:
            engine.dispose()
        for name, part in manifest["tables"].items():
            if name in loaded and loaded[name] != part["rows"]:
                raise BackupError(f"La table {name} ne se recharge pas entière.")
        return manifest


def _database_problem(manifest: dict) -> str | None:
    with db.engine.connect() as connection:
        revision = _revision(connection)
        if revision != manifest["revision"]:
            return (
                f"la base est à la révision {revision}, l'archive à {manifest['revision']} : "
                "installez la version du logiciel de l'archive et lancez « flask db upgrade »"
            )
        for table in tables():
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                return f"la base n'est pas vide (table {table.name})"
    if _store_files():
        return f"le dossier des fichiers n'est pas vide ({file_store.root()})"
    return None


@dataclass
class RestoreReport:
    rows: dict[str, int]
    files: int
    erased_again: list[int]


def read_ledger(paths: list[Path]) -> dict[str, date]:
    """The erasures recorded in ledger files (keyed hash -> day)."""
    entries = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                entries[entry["client_key"]] = date.fromisoformat(entry["erased_on"])
    return entries


def restore_backup(path: str | Path, identity, ledgers: list[Path]) -> RestoreReport:
    """Load ``path`` into the empty configured database and file store, then erase again the
    clients the ledgers say were erased."""
    from models.client import Client
    from models.data_rights import ErasureLedgerEntry
    from services.erasure import erase_client, ledger_key

    with opened_archive(path, identity) as (manifest, folder):
        problem = _database_problem(manifest)
        if problem:
            raise BackupError(f"Restauration refusée : {problem}.")
        with db.engine.begin() as connection:
            if db.engine.dialect.name != "sqlite":
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            loaded = _load(connection, folder, manifest)
            if db.engine.dialect.name != "sqlite":
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        for name in manifest["files"]:
            destination = file_store.root() / name
            private_directory(destination.parent)
            shutil.copyfile(folder / "files" / name, destination)
    ledger = read_ledger(ledgers)
    erased_again = []
    keys = set(ledger)
    for client_id in list(db.session.scalars(sa.select(Client.id))):
        if ledger_key(client_id) in keys:
            erase_client(client_id, notify=False)
            erased_again.append(client_id)
    known = set(db.session.scalars(sa.select(ErasureLedgerEntry.client_key)))
    for client_key, erased_on in ledger.items():
        if client_key not in known:
            db.session.add(ErasureLedgerEntry(client_key=client_key, erased_on=erased_on))
    db.session.commit()
    return RestoreReport(rows=loaded, files=len(manifest["files"]), erased_again=erased_again)


def append_to_ledger_file(client_key: str, erased_on: date) -> None:
    """Keep the ledger outside the database too, for a restore after the database is lost."""
    path = ledger_file()
    private_directory(path.parent)
    line = json.dumps({"client_key": client_key, "erased_on": erased_on.isoformat()})
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
