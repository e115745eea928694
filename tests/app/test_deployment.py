"""Deployment: the Passenger entry point of o2switch / cPanel serves the app from any directory."""

import subprocess
import sys

from tests.fixtures.config import ROOT

# Loads passenger_wsgi.py by its path, as Passenger does, then asks the application for /health.
PASSENGER = """
import runpy, sys
from werkzeug.test import Client
application = runpy.run_path(sys.argv[1])["application"]
response = Client(application).get(
    "/health", "https://espace-client.example.fr", headers={"X-Forwarded-Proto": "https"}
)
print(response.status_code, response.get_data(as_text=True))
"""


def test_passenger_entry_point_serves_the_app_in_production(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "FLASK_SECRET_KEY": "passenger-test-key-0123456789-abcdefghijklmnop",
        "FLASK_MAIL_BASE_URL": "https://espace-client.example.fr",
        "FLASK_FIELD_ENCRYPTION_KEYS": '["passenger-test-field-key-0123456789abcdefgh"]',
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        "FLASK_PROXY_FIX_X_PROTO": "1",
        "FLASK_RECOVERY_CODE_KEY": "passenger-test-recovery-0123456789",
        "FLASK_BLIND_INDEX_KEY": "passenger-test-blind-index-0123456789",
        "FLASK_ACTIVITY_SEAL_KEY": "passenger-test-seal-0123456789",
    }
    result = subprocess.run(
        [sys.executable, "-c", PASSENGER, str(ROOT / "passenger_wsgi.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "ok"]
