"""Files and folders that only the application's account may read: 0700 folders, 0600 files.

The instance folder holds the configuration (secret keys), the SQLite database and, in
development, the mails written as files: on a shared host, another account must not read them,
whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_directory(path: str | os.PathLike) -> Path:
    """``path``, created if missing (with its parents), and made readable by the owner only."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask and ignored for a folder that already exists.
    path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: str | os.PathLike) -> Path:
    """``path``, created empty if missing, readable and writable by the owner only.

    Created with its final mode, so that it is never readable by others, even for a moment.
    """
    path = Path(path)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
    path.chmod(PRIVATE_FILE_MODE)
    return path


def private_sqlite_database(path: str | os.PathLike) -> None:
    """Make the SQLite file at ``path`` private before SQLite opens it.

    An empty file is a valid empty database. SQLite gives its ``-wal`` and ``-shm`` files the
    mode of the database file; those left by an older run are tightened too. A missing folder
    is left to SQLite, which names it in its own error.
    """
    if not Path(path).parent.is_dir():
        return
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.chmod(PRIVATE_FILE_MODE)
