"""The fixtures every test may ask for: an app on a real database (SQLite, or MariaDB with
TEST_DATABASE_URL), its test client and CLI runner. Helpers to import live in tests/fixtures/."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

# The helpers of tests/fixtures/ imported below get pytest's assertion messages too.
pytest.register_assert_rewrite("tests.fixtures")

from app import create_app  # noqa: E402
from models import db  # noqa: E402
from tests.fixtures.config import base_config  # noqa: E402
from tests.fixtures.database import empty_all_tables, worker_database_url  # noqa: E402

# Fixtures of each mechanism live in tests/fixtures/<name>.py, loaded here.
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="espace-client-tests-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def database_url(tmp_root):
    """The test database, with every table created once for the session and dropped after."""
    url = worker_database_url(tmp_root)
    app = create_app(base_config(url, tmp_root))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(request, database_url, tmp_path):
    """A fresh app on the shared schema; ``@pytest.mark.settings(...)`` overrides config."""
    config = base_config(database_url, tmp_path)
    config["MAIL_FILE_DIR"] = str(tmp_path / "mail")
    for marker in reversed(list(request.node.iter_markers("settings"))):
        config.update(marker.kwargs)
    app = create_app(config)
    with app.app_context():
        empty_all_tables()
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
