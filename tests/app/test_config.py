"""Configuration: sources in order, and refusal to start with unsafe production settings."""

import secrets
import subprocess
import sys

import pytest

from app import create_app
from services import crypto
from settings import HASH_KEY_SETTINGS, secret_key_problem
from tests.fixtures.config import ROOT, TEST_FIELD_KEY

PRODUCTION_HASH_KEYS = {name: f"{name.lower()}-0123456789abcdef" for name in HASH_KEY_SETTINGS}
STRONG_KEY = "Vq3-mZ8_rT1xKp0LwN7eYb2uHc5GfJ4sD6aQ9iOoE"


def production_config(tmp_path, **extra):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_BASE_URL": "https://espace-client.example.fr",
        **PRODUCTION_HASH_KEYS,
        "SECRET_KEY": STRONG_KEY,
        "FIELD_ENCRYPTION_KEYS": [TEST_FIELD_KEY],
    }
    config.update(extra)
    return config


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "dev",
        "changeme",
        "short-key-1234",
        "a" * 40,  # long, but one character
        "ab" * 20,
        "0123456789" * 4,  # ten distinct characters, a pattern repeated
        "Password1!" * 4,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",  # nearly one character: a few bits
    ],
)
def test_production_refuses_missing_or_weak_secret_key(tmp_path, key):
    with pytest.raises(SystemExit) as stop:
        create_app(production_config(tmp_path, SECRET_KEY=key))
    message = str(stop.value)
    assert "SECRET_KEY" in message and "\n" not in message


def test_production_starts_with_a_strong_key(tmp_path):
    app = create_app(production_config(tmp_path, SECRET_KEY="x" * 20 + "-random-enough-0123456789"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["FORCE_HTTPS"] is True


@pytest.mark.parametrize(
    "make_key", [lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(16)]
)
def test_generated_keys_pass_the_entropy_check(make_key):
    # The README's own recipe, and the shortest random key allowed (32 hexadecimal digits).
    for _ in range(200):
        key = make_key()
        assert secret_key_problem(key) is None, key


@pytest.mark.parametrize("keys", [[], None])
def test_production_refuses_empty_field_encryption_keys(tmp_path, keys):
    with pytest.raises(SystemExit) as stop:
        create_app(production_config(tmp_path, FIELD_ENCRYPTION_KEYS=keys))
    assert "FIELD_ENCRYPTION_KEYS" in str(stop.value) and "\n" not in str(stop.value)


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_SECURE", "FORCE_HTTPS"])
def test_production_refuses_plain_http_unless_allowed_on_purpose(tmp_path, setting):
    with pytest.raises(SystemExit) as stop:
        create_app(production_config(tmp_path, **{setting: False}))
    message = str(stop.value)
    assert setting in message and "ALLOW_INSECURE_HTTP" in message and "\n" not in message
    app = create_app(production_config(tmp_path, **{setting: False, "ALLOW_INSECURE_HTTP": True}))
    assert app.config[setting] is False


def test_production_refusal_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_FORCE_HTTPS", "false")
    with pytest.raises(SystemExit, match="FORCE_HTTPS"):
        create_app(production_config(tmp_path))
    monkeypatch.setenv("FLASK_ALLOW_INSECURE_HTTP", "true")
    assert create_app(production_config(tmp_path)).config["FORCE_HTTPS"] is False


def test_production_refuses_captcha_off(tmp_path):
    with pytest.raises(SystemExit, match="CAPTCHA_PROVIDER"):
        create_app(production_config(tmp_path, CAPTCHA_PROVIDER="off"))


def test_production_refuses_recaptcha_without_keys(tmp_path):
    with pytest.raises(SystemExit, match="RECAPTCHA"):
        create_app(production_config(tmp_path, CAPTCHA_PROVIDER="recaptcha"))


def test_production_refuses_a_missing_public_address_for_mail_links(tmp_path):
    with pytest.raises(SystemExit, match="MAIL_BASE_URL"):
        create_app(production_config(tmp_path, MAIL_BASE_URL=None))


def test_debug_accepts_a_missing_key(tmp_path):
    app = create_app(production_config(tmp_path, SECRET_KEY="dev", DEBUG=True))
    assert app.debug and app.config["SESSION_COOKIE_SECURE"] is False


def test_instance_file_then_environment_then_test_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("PAGE_SIZE = 10\nCOMPANY_EMAIL = 'a@instance.fr'\n")
    monkeypatch.setenv("FLASK_PAGE_SIZE", "40")
    app = create_app(production_config(tmp_path, SECRET_KEY="k" * 40, TESTING=True))
    assert app.config["PAGE_SIZE"] == 40  # environment over instance file
    assert app.config["COMPANY_EMAIL"] == "a@instance.fr"
    app = create_app(production_config(tmp_path, SECRET_KEY="k" * 40, TESTING=True, PAGE_SIZE=7))
    assert app.config["PAGE_SIZE"] == 7


def test_secret_key_problem_accepts_long_random_key():
    assert secret_key_problem("a" * 8 + "Zr8-Qp2m_x91LkTt0vBn-7hYc3WqE") is None


def test_command_line_refusal_is_one_line(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
        "FLASK_SECRET_KEY": "weak",
        **{f"FLASK_{name}": value for name, value in PRODUCTION_HASH_KEYS.items()},
        "FLASK_MAIL_BASE_URL": "https://espace-client.example.fr",
    }
    code = "import app; app.create_app({{'INSTANCE_PATH': {!r}}})".format(str(tmp_path / "inst"))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "refuse de démarrer" in result.stderr


def test_instance_config_written_by_make_run_passes_the_production_checks(tmp_path):
    from settings import write_instance_config

    write_instance_config(tmp_path / "instance" / "config.py")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    assert app.config["MAIL_BASE_URL"].startswith("http://127.0.0.1:")
    assert app.config["CAPTCHA_PROVIDER"] == "altcha"


@pytest.mark.parametrize("missing", HASH_KEY_SETTINGS)
def test_production_refuses_a_missing_hash_key(tmp_path, missing):
    with pytest.raises(SystemExit) as stop:
        create_app(production_config(tmp_path, **{missing: None}))
    message = str(stop.value)
    assert missing in message and "crypto legacy-keys" in message and "\n" not in message


def test_the_hash_keys_required_are_the_ones_the_app_uses():
    assert set(HASH_KEY_SETTINGS) == set(crypto.HASH_KEYS)


def test_instance_config_written_by_make_run_has_a_key_of_its_own_for_each_hash(tmp_path):
    from settings import write_instance_config

    write_instance_config(tmp_path / "config.py")
    values = {}
    exec((tmp_path / "config.py").read_text(), values)  # noqa: S102 - the file just written
    keys = [values["SECRET_KEY"]] + [values[name] for name in HASH_KEY_SETTINGS]
    assert len(set(keys)) == len(keys) and all(len(key) >= 32 for key in keys)


def test_make_run_on_another_port_mails_links_to_that_port(tmp_path, monkeypatch):
    """The first run wrote port 5711 into instance/config.py; a run on 5712 mails 5712."""
    from services.mail import mail_url
    from settings import write_instance_config

    monkeypatch.setenv("PORT", "5711")
    write_instance_config(tmp_path / "instance" / "config.py")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_RUN_PORT", "5712")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    assert app.debug and app.config["MAIL_BASE_URL"] == "http://127.0.0.1:5712"
    with app.app_context():
        assert mail_url("public.privacy") == "http://127.0.0.1:5712/confidentialite"


def test_a_public_mail_address_set_by_hand_is_kept_in_development(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_RUN_PORT", "5712")
    app = create_app(production_config(tmp_path))
    assert app.config["MAIL_BASE_URL"] == "https://espace-client.example.fr"


def test_make_run_passes_the_port_it_serves(tmp_path):
    """``make run`` gives its PORT to the commands that print or mail the portal's address."""
    root = ROOT
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=5712"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in result.stdout.splitlines() if " demo " in line or " run " in line]
    assert len(lines) == 2, result.stdout
    assert all("FLASK_RUN_PORT=5712 " in line for line in lines)
