"""`flask --app app check`: one report of what is missing or unsafe for production, status 1
when something must be fixed; it passes on a complete production installation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from models import db, utcnow
from models.backup import BackupRun
from services.schedule import SCHEDULE, record_run, scheduled
from tests.fixtures.config import TEST_SECRET_KEY, base_config

PRODUCTION = {
    "TESTING": False,
    "SECRET_KEY": TEST_SECRET_KEY,
    "FORCE_HTTPS": True,
    "SESSION_COOKIE_SECURE": True,
    "CAPTCHA_PROVIDER": "altcha",
    "RECOVERY_CODE_KEY": "k" * 8 + "recovery-code-key-for-the-check-test",
    "BLIND_INDEX_KEY": "b" * 8 + "blind-index-key-for-the-check-test",
    "ACTIVITY_SEAL_KEY": "a" * 8 + "activity-seal-key-for-the-check-test",
    "MAIL_BASE_URL": "https://espace.example.fr",
    "MAIL_BACKEND": "smtp",
    "MAIL_SECURITY": "starttls",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "BACKUP_PUBLIC_KEY": "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
}


def test_a_debug_or_test_configuration_fails_with_every_reason(app, runner):
    result = runner.invoke(args=["check"], env={"FLASK_DEBUG": "1"})
    assert result.exit_code == 1
    for words in (
        "le mode debug est actif",
        "TESTING est actif",
        "MAIL_BACKEND=file",
        "BACKUP_TARGETS est vide",
        "lancez « flask --app app db upgrade »",  # the test schema is not Alembic's
        "point(s) à corriger",
    ):
        assert words in result.output, words


@pytest.fixture
def production_app(tmp_path):
    from flask_migrate import upgrade

    config = base_config(f"sqlite:///{tmp_path / 'prod.sqlite'}", tmp_path)
    site = tmp_path / "second-site"
    site.mkdir()
    config.update(PRODUCTION, BACKUP_TARGETS=[str(site)])
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def test_a_complete_production_installation_passes(production_app):
    app = production_app
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1  # nothing has run yet
    assert "« backup create » n'a jamais été lancée" in result.output
    assert "sauvegarde vers" in result.output and "jamais réussie" in result.output
    assert "le mode debug" not in result.output and "db upgrade" not in result.output

    with app.app_context():
        for command in SCHEDULE:
            record_run(command)
        db.session.add(BackupRun(target=app.config["BACKUP_TARGETS"][0], name="x", ok=True, size=1))
        db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "Prêt pour la production" in result.output

    with app.app_context():
        record_run("mail send", utcnow() - timedelta(hours=3))
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "« mail send » : dernière exécution réussie il y a 3 h" in result.output


def test_a_database_behind_the_code_is_reported(tmp_path):
    from flask_migrate import downgrade, upgrade

    config = base_config(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path)
    config.update(PRODUCTION, BACKUP_TARGETS=[str(tmp_path)])
    app = create_app(config)
    with app.app_context():
        upgrade()
        downgrade(revision="-1")
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1 and "flask --app app db upgrade" in result.output


def test_a_failed_command_run_is_not_recorded_as_a_success(app, runner):
    from models.scheduled_run import ScheduledRun

    # `mail send` fails on unusable mail settings: its run is not recorded.
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT_S=1)
    with app.app_context():
        from services.mail import send_mail

        send_mail("x@example.fr", "test", "Essai")
        db.session.commit()
    assert runner.invoke(args=["mail", "send"]).exit_code == 1
    app.config.update(MAIL_BACKEND="file")
    result = runner.invoke(args=["gdpr", "purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        recorded = {run.command for run in db.session.query(ScheduledRun)}
    assert "gdpr purge" in recorded and "mail send" not in recorded
    with pytest.raises(ValueError):
        scheduled("not a cron command")
