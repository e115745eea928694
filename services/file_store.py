"""The file store: files that clients and admins send or receive, kept outside ``static/``.

Each file lives under a random name (64 hexadecimal characters) in the folder
``FILE_STORE`` (default ``<instance>/files``), spread over sub-folders by the name's first two
characters. The database row that uses a file keeps its name; nothing else finds it, and no
name typed by a person ever reaches the disk. Folders are 0700 and files 0600: on a shared
host, another account reads none of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO, NamedTuple

from flask import current_app

from services.private_files import PRIVATE_FILE_MODE, private_directory

CHUNK_BYTES = 64 * 1024
_STORED_NAME = re.compile(r"[0-9a-f]{64}")


class FileStoreUnavailable(Exception):
    """The store could not be written (folder missing or read-only, disk full): not the sender's
    fault; the request is refused as a whole, and nothing of it is kept."""


class StoredFile(NamedTuple):
    """What :func:`save` wrote: the name to keep, the SHA-256 of the content, its size."""

    name: str
    sha256: str
    size: int


def root() -> Path:
    """The store's folder, from ``FILE_STORE``."""
    return Path(current_app.config["FILE_STORE"])


def path(stored_name: str) -> Path:
    """Where the file ``stored_name`` lives; a name not made by :func:`save` is refused."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a name of the file store")
    return root() / stored_name[:2] / stored_name


def save(data: bytes | BinaryIO) -> StoredFile:
    """Write ``data`` (bytes or a binary file, read from where it stands) under a new name.

    Written in chunks to a temporary file of the same folder, then renamed: a reader never
    sees half a file, and a failure leaves nothing behind.
    """
    name = secrets.token_hex(32)
    target = path(name)
    with _writing():
        folder = private_directory(target.parent)
        private_directory(folder.parent)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), PRIVATE_FILE_MODE)
            for chunk in _chunks(data):  # a failure to read the upload is not the store's
                digest.update(chunk)
                with _writing():
                    out.write(chunk)
                size += len(chunk)
            with _writing():
                out.flush()
                os.fsync(out.fileno())
        with _writing():
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return StoredFile(name, digest.hexdigest(), size)


@contextlib.contextmanager
def _writing():
    """An operating-system error while writing the store means the store is unusable."""
    try:
        yield
    except FileStoreUnavailable:
        raise
    except OSError as error:
        raise FileStoreUnavailable(f"{type(error).__name__}: {error.strerror}") from error


def _chunks(data: bytes | BinaryIO):
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    while chunk := data.read(CHUNK_BYTES):
        yield chunk


def open(stored_name: str) -> BinaryIO:
    """The file ``stored_name``, opened for reading in binary (FileNotFoundError if gone)."""
    return path(stored_name).open("rb")


def delete(stored_name: str) -> None:
    """Remove the file ``stored_name``; a file already gone is fine."""
    path(stored_name).unlink(missing_ok=True)
