"""Every document a client can take away, from every area, and the one ZIP that holds them.

An area registers a source on the app (from its blueprint's ``record_once``) with
:func:`register_document_source`: ``source(client_id)`` returns the client's documents of that
area as :class:`Document` (a name in the archive and a way to open the file; nothing is read
until the archive is written). :func:`zip_stream` writes the archive piece by piece, never
holding it whole in memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask import Flask, current_app

EXTENSION = "client_documents"  # app.extensions[EXTENSION][name] = source
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Document:
    """One file of a client: its path in the archive, how to open it, when it was made."""

    name: str
    open: Callable[[], BinaryIO]
    made_at: datetime | None = None
    # ``on_download(user, by_client)`` once the document is handed out (an area keeps its
    # downloads); the caller commits.
    on_download: Callable[[object, bool], None] | None = None


def register_document_source(app: Flask, name: str, source: Callable[[int], Iterable[Document]]):
    """Add (or replace) the documents source ``name`` of ``app``."""
    app.extensions.setdefault(EXTENSION, {})[name] = source


def client_documents(client_id: int) -> list[Document]:
    """The documents of ``client_id`` from every area of the current app, by area then name."""
    documents: list[Document] = []
    for name in sorted(current_app.extensions.get(EXTENSION, {})):
        source = current_app.extensions[EXTENSION][name]
        documents.extend(sorted(source(client_id), key=lambda document: document.name))
    return documents


class _Pipe(io.RawIOBase):
    """A write-only stream whose written bytes are taken away piece by piece."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_stream(documents: Iterable[Document]) -> Iterator[bytes]:
    """The ZIP of ``documents``, in pieces of about ``CHUNK`` bytes (stored: PDFs are packed)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:
        for document in documents:
            made = document.made_at or datetime(1980, 1, 1)
            info = zipfile.ZipInfo(document.name, date_time=made.timetuple()[:6])
            with document.open() as source, archive.open(info, "w") as target:
                while block := source.read(CHUNK):
                    target.write(block)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()
