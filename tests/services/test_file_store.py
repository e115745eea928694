"""The file store: random names, private files and folders, atomic writes, no way out of it."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest

from services import file_store


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(app, tmp_path):
    """The store of a test app, in the test's own folder, under the usual shell umask."""
    app.config["FILE_STORE"] = str(tmp_path / "files")
    previous = os.umask(0o022)
    with app.app_context():
        yield tmp_path / "files"
    os.umask(previous)


def test_the_store_is_in_the_instance_folder_by_default(app):
    assert app.config["FILE_STORE"] == os.path.join(app.instance_path, "files")


@pytest.mark.settings(FILE_STORE="/srv/espace-client/fichiers")
def test_the_store_folder_is_a_setting(app):
    assert app.config["FILE_STORE"] == "/srv/espace-client/fichiers"


@pytest.mark.parametrize("as_file", [False, True], ids=["bytes", "file"])
def test_saved_content_reads_back_with_its_hash_and_size(store, as_file):
    content = os.urandom(200_000)  # several chunks
    saved = file_store.save(io.BytesIO(content) if as_file else content)
    assert saved.size == len(content)
    assert saved.sha256 == hashlib.sha256(content).hexdigest()
    with file_store.open(saved.name) as stored:
        assert stored.read() == content
    assert file_store.path(saved.name).is_relative_to(store)


def test_a_file_is_read_from_where_it_stands(store):
    source = io.BytesIO(b"en-tete" + b"contenu")
    source.seek(7)
    saved = file_store.save(source)
    assert file_store.path(saved.name).read_bytes() == b"contenu"


def test_names_are_random_hexadecimal_and_never_reused(store):
    names = {file_store.save(b"identique").name for _ in range(20)}
    assert len(names) == 20
    for name in names:
        assert len(name) == 64 and set(name) <= set("0123456789abcdef")


def test_files_are_0600_and_folders_0700_whatever_the_umask(store):
    saved = file_store.save(b"secret du client")
    path = file_store.path(saved.name)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert mode(store) == 0o700


class BrokenUpload(io.RawIOBase):
    """A sent file whose connection drops after the first chunk."""

    def __init__(self):
        self.calls = 0

    def readable(self):
        return True

    def read(self, size=-1):
        self.calls += 1
        if self.calls > 1:
            raise OSError("connexion interrompue")
        return b"x" * file_store.CHUNK_BYTES


def test_a_failed_write_leaves_nothing_behind(store):
    with pytest.raises(OSError, match="connexion interrompue"):
        file_store.save(BrokenUpload())
    assert [p for p in store.rglob("*") if p.is_file()] == []


def test_a_file_appears_whole_or_not_at_all(store, monkeypatch):
    """Written to a temporary file, then renamed: the final name never holds half a file."""
    renamed = []
    real_replace = os.replace

    def watching_replace(source, target):
        renamed.append((os.path.basename(source), os.path.getsize(source)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    saved = file_store.save(b"y" * 300_000)
    assert renamed[0][0].startswith(".part-") and renamed[0][1] == 300_000
    assert file_store.path(saved.name).stat().st_size == 300_000


def test_delete_removes_the_file_and_a_missing_one_is_fine(store):
    saved = file_store.save(b"a supprimer")
    file_store.delete(saved.name)
    assert not file_store.path(saved.name).exists()
    file_store.delete(saved.name)  # already gone
    with pytest.raises(FileNotFoundError):
        file_store.open(saved.name)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "",
        "g" * 64,  # not hexadecimal
        "0" * 63,
        "0" * 65,
        "0" * 62 + "/x",
        "AB" + "0" * 62,  # upper case is not a name the store makes
        "0" * 64 + "\n",
        None,
    ],
)
def test_a_name_the_store_did_not_make_is_refused(store, name):
    for operation in (file_store.path, file_store.open, file_store.delete):
        with pytest.raises(ValueError):
            operation(name)
