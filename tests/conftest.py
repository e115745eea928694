"""Shared fixtures: an app on a real database (SQLite, or MariaDB with TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from models import db, utcnow
from models.client import Client
from models.user import ROLE_ADMIN, ROLE_CLIENT, User

# Fixtures of each mechanism live in tests/fixtures/<name>.py, loaded here.
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)

PASSWORD = "Correct-Horse-Battery-42!"
TEST_SECRET_KEY = "tests-only-secret-key-0123456789abcdefghijklmnop"
TEST_FIELD_KEY = "dGVzdHMtb25seS1maWVsZC1rZXktMDEyMzQ1Njc4OWFiY2Q="


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'tests.sqlite'}"


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="espace-client-tests-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def database_url(tmp_root):
    """The test database, with every table created once for the session and dropped after."""
    url = _database_url(tmp_root)
    app = create_app(base_config(url, tmp_root))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def base_config(url: str, tmp_root: Path) -> dict:
    """Settings of every test app: fast hashing, no CAPTCHA, mail to files."""
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_root / "instance"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CAPTCHA_PROVIDER": "off",
        "MAIL_BACKEND": "file",
        "MAIL_SEND_AFTER_COMMIT": False,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 8,
        "PASSWORD_HASH_PARALLELISM": 1,
        "FIELD_ENCRYPTION_KEYS": [TEST_FIELD_KEY],
        "SERVER_NAME": None,
    }


def empty_all_tables() -> None:
    """Delete every row, children first, so the next test starts from an empty database."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


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


HTMX = {"HX-Request": "true"}


@pytest.fixture
def htmx():
    """Headers of an htmx fragment request."""
    return dict(HTMX)


def make_user(
    app,
    email: str = "client@example.fr",
    password: str = PASSWORD,
    role: str = ROLE_CLIENT,
    verified: bool = True,
    **client_fields,
) -> int:
    """Create an account (and its client file for a client) straight in the database."""
    from services.passwords import hash_password

    with app.app_context():
        user = User(
            email=email,
            email_canonical=email.lower(),
            password_hash=hash_password(password),
            role=role,
            email_verified_at=utcnow() if verified else None,
        )
        db.session.add(user)
        if role == ROLE_CLIENT:
            client_fields.setdefault("last_name", "Martin")
            client_fields.setdefault("first_name", "Marie")
            db.session.add(Client(user=user, **client_fields))
        db.session.commit()
        return user.id


class AuthActions:
    """Log in and out through the real pages."""

    def __init__(self, app, client):
        self._app = app
        self._client = client

    def create_client(self, email="client@example.fr", **fields) -> int:
        return make_user(self._app, email=email, **fields)

    def create_admin(self, email="admin@example.fr", enrolled=False, **fields) -> int:
        """An admin account; ``enrolled`` gives it the test TOTP secret."""
        user_id = make_user(self._app, email=email, role=ROLE_ADMIN, **fields)
        if enrolled:
            from tests.fixtures.totp import enrol

            enrol(self._app, user_id)
        return user_id

    def login(self, email="client@example.fr", password=PASSWORD, totp=False, **extra):
        """Post the login form; with ``totp``, also pass the code step of an enrolled account."""
        response = self._client.post(
            "/auth/login", data={"email": email, "password": password, **extra}
        )
        if totp:
            from tests.fixtures.totp import TEST_TOTP_SECRET, fresh_code

            assert response.headers.get("Location", "").endswith("/auth/totp"), response.status
            with self._app.app_context():
                user_id = db.session.scalar(sa.select(User.id).where(User.email_canonical == email))
            code = fresh_code(self._app, user_id, TEST_TOTP_SECRET)
            response = self._client.post("/auth/totp", data={"code": code})
        return response

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


def count_rows(app, model, *where) -> int:
    """How many rows of ``model`` match ``where``."""
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)
        return db.session.scalar(query)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
