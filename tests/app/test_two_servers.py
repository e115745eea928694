"""Two app processes (gunicorn, as on two servers) on one database and one Redis: a session
opened on one is valid on the other, and a rate limit counts the requests of both."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.fixtures.config import TEST_FIELD_KEY, TEST_SECRET_KEY
from tests.fixtures.users import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url():
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis ne répond pas sur 127.0.0.1:6379")
        pytest.skip("Redis ne répond pas sur 127.0.0.1:6379")
    return url


@pytest.fixture
def two_servers(database_url, redis_url, tmp_path):
    env = {
        **os.environ,
        "FLASK_TESTING": "true",  # plain HTTP on 127.0.0.1, no CAPTCHA
        "FLASK_SECRET_KEY": TEST_SECRET_KEY,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_FIELD_ENCRYPTION_KEYS": f'["{TEST_FIELD_KEY}"]',
        "FLASK_CAPTCHA_PROVIDER": "off",
        "FLASK_WTF_CSRF_ENABLED": "false",
        "FLASK_MAIL_BACKEND": "file",
        "FLASK_MAIL_FILE_DIR": str(tmp_path / "mail"),
        "FLASK_FILE_STORE": str(tmp_path / "files"),
        "FLASK_ACTIVITY_SEAL_STATE_FILE": str(tmp_path / "seal.json"),
        "FLASK_RATELIMIT_STORAGE_URI": redis_url,
        "FLASK_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "FLASK_RATELIMIT_PASSWORD_CHECK": "3 per minute",
        "FLASK_PASSWORD_HASH_TIME_COST": "1",
        "FLASK_PASSWORD_HASH_MEMORY_KIB": "8",
        "GUNICORN_WORKERS": "1",
    }
    servers, processes = [], []
    for _ in range(2):
        port = free_port()
        env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "deploy/gunicorn.conf.py",
                    "app:create_app()",
                ],
                cwd=ROOT,
                env=dict(env),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        servers.append(f"http://127.0.0.1:{port}")
    try:
        for base in servers:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if urllib.request.urlopen(f"{base}/health", timeout=2).status == 200:
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{base} n'a pas démarré")
                    time.sleep(0.2)
        yield servers
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_sessions_and_rate_limits_hold_across_two_processes(auth, two_servers):
    first, second = two_servers
    auth.create_client()
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = urllib.parse.urlencode({"email": "client@example.fr", "password": PASSWORD}).encode()
    browser.open(f"{first}/auth/login", data=form, timeout=10)
    page = browser.open(f"{second}/account", timeout=10)
    assert page.status == 200 and page.url.endswith("/account")  # not sent back to the login

    statuses = []
    for base in (first, second, first, second):
        try:
            statuses.append(
                urllib.request.urlopen(
                    f"{base}/auth/register/password-check", data=b"password=abc", timeout=10
                ).status
            )
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200, 200, 200, 429]
