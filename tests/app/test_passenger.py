"""The app served by the real Phusion Passenger, as cPanel's "Setup Python App" runs it: from a
copy of the application root whose only settings are a `.env`, through `passenger_wsgi.py`.
A public page, a login (with its anti-robot check and CSRF token) and /health answer."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.captcha import solve_altcha
from tests.fixtures.config import TEST_FIELD_KEY, TEST_SECRET_KEY
from tests.fixtures.users import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
APP_ROOT_ENTRIES = [
    "app.py",
    "settings.py",
    "passenger_wsgi.py",
    "blueprints",
    "commands",
    "models",
    "services",
    "web",
    "templates",
    "static",
    "translations",
    "migrations",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def passenger(database_url, tmp_path):
    binary = shutil.which("passenger")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Passenger manque : .ci/run installe le paquet passenger")
        pytest.skip("Passenger (paquet Debian passenger) n'est pas installé")
    app_root = tmp_path / "espace-client"
    app_root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__")
    for entry in APP_ROOT_ENTRIES:
        source = ROOT / entry
        if source.is_dir():
            shutil.copytree(source, app_root / entry, ignore=ignore)
        else:
            shutil.copy(source, app_root / entry)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        "FLASK_SECRET_KEY": TEST_SECRET_KEY,
        "FLASK_FIELD_ENCRYPTION_KEYS": json.dumps([TEST_FIELD_KEY]),
        "FLASK_RECOVERY_CODE_KEY": "recovery-code-key-of-the-passenger-test-0123456789",
        "FLASK_BLIND_INDEX_KEY": "blind-index-key-of-the-passenger-test-0123456789",
        "FLASK_ACTIVITY_SEAL_KEY": "activity-seal-key-of-the-passenger-test-0123456789",
        "FLASK_MAIL_BASE_URL": base,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        # Plain HTTP on 127.0.0.1 stands for the TLS that cPanel's front server adds.
        "FLASK_ALLOW_INSECURE_HTTP": "true",
        "FLASK_FORCE_HTTPS": "false",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_CAPTCHA_PROVIDER": "altcha",
        "FLASK_MAIL_BACKEND": "file",
        "FLASK_MAIL_FILE_DIR": str(tmp_path / "mail"),
        "FLASK_FILE_STORE": str(tmp_path / "files"),
        "FLASK_ACTIVITY_SEAL_STATE_FILE": str(tmp_path / "seal.json"),
    }
    (app_root / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    process = subprocess.Popen(
        [
            binary,
            "start",
            "--engine=builtin",
            "--app-type",
            "wsgi",
            "--startup-file",
            "passenger_wsgi.py",
            "--disable-security-update-check",
            "--disable-anonymous-telemetry",
            "--address",
            "127.0.0.1",
            "--port",
            str(port),
            "--python",
            sys.executable,
            "--log-file",
            str(tmp_path / "passenger.log"),
            "--pid-file",
            str(tmp_path / "passenger.pid"),
        ],
        cwd=app_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{base}/health", timeout=5).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    log = (tmp_path / "passenger.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"Passenger n'a pas servi l'application :\n{log}")
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_passenger_serves_a_public_page_a_login_and_health(auth, passenger):
    auth.create_client()
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    assert browser.open(f"{passenger}/health", timeout=10).read() == b"ok"
    home = browser.open(f"{passenger}/confidentialite", timeout=10).read().decode()
    assert "Vos données personnelles" in home

    login_page = browser.open(f"{passenger}/auth/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    challenge = json.load(browser.open(f"{passenger}/auth/captcha/challenge", timeout=10))
    form = urllib.parse.urlencode(
        {
            "email": "client@example.fr",
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "altcha": solve_altcha(challenge),
        }
    ).encode()
    answer = browser.open(f"{passenger}/auth/login", data=form, timeout=30)
    assert answer.url.endswith("/account"), answer.url
    assert "Tableau de bord" in answer.read().decode()
