"""The file store: private files (invoice PDFs, attachments) kept under ``FILE_STORE``.

A file is saved once and known by the name :func:`save` returns; nothing about its owner or
content is in that name. The folder and its files are readable by the application's account only.
``FILE_STORE`` defaults to ``instance/files/``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from services.private_files import PRIVATE_FILE_MODE, private_directory

_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def _folder() -> Path:
    configured = current_app.config.get("FILE_STORE")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "files"
    return private_directory(folder)


def path(stored_name: str) -> Path:
    """Where the file ``stored_name`` lies; a name the store did not give is refused."""
    if not isinstance(stored_name, str) or not _STORED_NAME.match(stored_name):
        raise ValueError("not a stored file name")
    return _folder() / stored_name


def save(data: bytes) -> str:
    """Write ``data`` to a new private file; returns its stored name."""
    stored_name = secrets.token_hex(16)
    target = path(stored_name)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return stored_name


def open(stored_name: str) -> BinaryIO:  # noqa: A001 - the store's own verb
    """The file ``stored_name``, opened for reading in binary."""
    return path(stored_name).open("rb")


def delete(stored_name: str) -> None:
    """Remove the file ``stored_name``; a file already gone is not an error."""
    path(stored_name).unlink(missing_ok=True)
