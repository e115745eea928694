"""Export of a client's data (GDPR arts. 15 and 20: access and portability).

What is exported is read from the personal-data declarations of the model (``personal(...)``
in each column's ``info``), never from a list kept by hand: a new column declared personal is
exported the day it is added. A table belongs to a client when it has a ``client_id``, or points
to a table that has one (an invoice's lines, a ticket's messages); the account, the activity
entries they made or that concern them, the mails sent to them and their failed logins too.

Secrets are left out (password and recovery-code hashes, the second factor's secret, search
indexes): they are not information about the person and would only weaken the account.
Encrypted columns are exported decrypted, under their name without ``_encrypted``.

The archive (:func:`export_documents`, streamed by :func:`services.client_documents.zip_stream`)
holds ``donnees.json`` (every table), ``tables/<table>.csv``, ``resume.html`` (readable) and
``documents/`` (every invoice, credit note, contract document and ticket attachment).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from models import db, utcnow
from models.client import Client
from services.client_documents import Document, client_documents
from services.crypto import decrypt
from services.login_guard import account_key

# Personal by declaration, but not information to hand out (see the module's docstring).
SECRETS = {
    "password_hash",
    "totp_secret_encrypted",
    "code_hash",
    "serial_number_index",
    "email_canonical",
    "sort_key",
    "body_text_encrypted",
    "body_html_encrypted",
}
ENCRYPTED_SUFFIX = "_encrypted"
# Tables never exported: made of secrets or of nothing about the client.
SKIPPED_TABLES = {"recovery_code", "client_search_term", "erasure_ledger"}


def _is_personal(column: sa.Column) -> bool:
    return bool(column.info.get("personal"))


def _exported_columns(table: sa.Table) -> list[sa.Column]:
    """The table's id, its links to other rows, and its personal columns but secrets."""
    return [
        column
        for column in table.columns
        if column.name not in SECRETS
        and (column.primary_key or column.foreign_keys or _is_personal(column))
    ]


def _owned_condition(table: sa.Table, client: Client, owned_ids: dict[str, sa.Select]):
    """The rows of ``table`` that belong to ``client``, or None if none can."""
    user_id = client.user_id
    email = client.user.email if client.user else None
    name = table.name
    if name == "client":
        return table.c.id == client.id
    if name == "user":
        return table.c.id == user_id if user_id else None
    if name == "activity_log":
        about_client = sa.and_(table.c.target_type == "client", table.c.target_id == client.id)
        return sa.or_(table.c.actor_id == user_id, about_client) if user_id else about_client
    if name == "outbox_mail":
        return sa.func.lower(table.c.recipient) == email.lower() if email else None
    if name == "login_failure":
        return table.c.account_key == account_key(email) if email else None
    if "client_id" in table.c:
        return table.c.client_id == client.id
    links = [
        column.in_(owned_ids[fk.column.table.name])
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name in owned_ids and fk.column.name == "id"
    ]
    return sa.or_(*links) if links else None


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def client_tables(client: Client) -> Iterable[tuple[str, list[str], list[list]]]:
    """(table, column names, rows) of every table holding something of ``client``."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    owned_ids = {
        t.name: sa.select(t.c.id).where(t.c.client_id == client.id)
        for t in tables
        if "client_id" in t.c and "id" in t.c
    }
    for table in tables:
        condition = _owned_condition(table, client, owned_ids)
        columns = _exported_columns(table)
        if condition is None or not any(_is_personal(c) for c in columns):
            continue
        names = [
            c.name.removesuffix(ENCRYPTED_SUFFIX) if c.name.endswith(ENCRYPTED_SUFFIX) else c.name
            for c in columns
        ]
        order = [table.c.id] if "id" in table.c else []
        rows = []
        for row in db.session.execute(sa.select(*columns).where(condition).order_by(*order)):
            values = []
            for column, value in zip(columns, row, strict=True):
                if column.name.endswith(ENCRYPTED_SUFFIX) and value is not None:
                    value = decrypt(value)
                values.append(_plain(value))
            rows.append(values)
        if rows:
            yield table.name, names, rows


class _GeneratedFile(io.RawIOBase):
    """A read-only file whose content comes from a generator of bytes, made as it is read.

    The JSON and CSV files of an export are written into the archive piece by piece, never
    whole in memory: for a client of ten thousand tickets they weighed tens of megabytes.
    """

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces = iter(pieces)
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = piece
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def _json_pieces(client_id: int, tables: list, made_at: datetime) -> Iterable[bytes]:
    """``donnees.json``: the same document as one ``json.dumps`` of every table, row by row."""
    export = {"client_id": client_id, "made_at": made_at.isoformat(timespec="seconds")}
    yield b'{\n  "export": ' + json.dumps(export, ensure_ascii=False).encode() + b",\n"
    yield b'  "tables": {'
    for position, (name, columns, rows) in enumerate(tables):
        yield (b"," if position else b"") + f"\n    {json.dumps(name)}: [".encode()
        for number, row in enumerate(rows):
            item = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str)
            yield (b"," if number else b"") + b"\n      " + item.encode("utf-8")
        yield b"\n    ]"
    yield b"\n  }\n}\n"


def _csv_pieces(columns: list[str], rows: list[list]) -> Iterable[bytes]:
    """One table as CSV (``;``, with a BOM: spreadsheets read UTF-8 then), a few rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    out.write("\ufeff")
    writer.writerow(columns)
    for number, row in enumerate(rows, 1):
        writer.writerow(["" if value is None else value for value in row])
        if number % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def export_tables(client: Client) -> list[tuple[str, list[str], list[list]]]:
    """Every table holding something of ``client``, read now (see :func:`client_tables`)."""
    return list(client_tables(client))


def export_documents(client: Client, tables: list, summary_html: str) -> list[Document]:
    """The files of the export archive of ``client``: its data (``tables``, from
    :func:`export_tables`), the readable summary the caller rendered, then their documents.

    The JSON and CSV files are written from ``tables`` as the archive is streamed, and the
    documents read then.
    """
    made = utcnow()
    summary = summary_html.encode("utf-8")
    client_id = client.id  # read now: the streamed response outlives the session
    files = [
        Document(
            "donnees.json", lambda: _GeneratedFile(_json_pieces(client_id, tables, made)), made
        ),
        Document("resume.html", lambda: io.BytesIO(summary), made),
    ]
    files += [
        Document(
            f"tables/{name}.csv",
            lambda columns=columns, rows=rows: _GeneratedFile(_csv_pieces(columns, rows)),
            made,
        )
        for name, columns, rows in tables
    ]
    for document in client_documents(client_id):
        files.append(Document(f"documents/{document.name}", document.open, document.made_at))
    return files
