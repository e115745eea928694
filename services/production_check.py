"""What ``flask --app app check`` reports: everything missing or unsafe for production.

Each finding is an error (to fix before serving) or a warning; the command exits with status 1
when there is an error. The settings part reads the same rules as the start-up refusal
(``settings.unsafe_configuration_problems``); the rest reads the database and the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from models import db, utcnow
from services.activity_seal import MAX_SEAL_LAG, seal_lag
from services.backup import last_successes
from services.schedule import expected_commands, last_runs

ERROR = "erreur"
WARNING = "attention"


@dataclass(frozen=True)
class Finding:
    level: str
    message: str


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def settings_findings(app: Flask) -> list[Finding]:
    import settings

    config = app.config
    found = [Finding(ERROR, problem) for problem in settings.unsafe_configuration_problems(config)]
    if app.debug or config.get("DEBUG"):
        found.append(Finding(ERROR, "le mode debug est actif (FLASK_DEBUG) : jamais en production"))
    if config.get("TESTING"):
        found.append(Finding(ERROR, "TESTING est actif : jamais en production"))
    if not config.get("HSTS_MAX_AGE"):
        found.append(Finding(ERROR, "HSTS_MAX_AGE est nul : le navigateur n'impose pas HTTPS"))
    if config.get("MAIL_BACKEND") != "smtp":
        found.append(
            Finding(ERROR, f"MAIL_BACKEND={config.get('MAIL_BACKEND')} : aucun e-mail ne part")
        )
    elif config.get("MAIL_SECURITY") not in ("tls", "starttls"):
        found.append(Finding(ERROR, "MAIL_SECURITY doit être tls ou starttls"))
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        found.append(
            Finding(
                WARNING,
                "RATELIMIT_STORAGE_URI=memory:// : les limites sont comptées par processus ; "
                "avec plusieurs processus ou serveurs, utilisez redis://",
            )
        )
    if not config.get("BACKUP_TARGETS"):
        found.append(
            Finding(ERROR, "BACKUP_TARGETS est vide : aucune sauvegarde sur un second site")
        )
    if not config.get("BACKUP_PUBLIC_KEY"):
        found.append(
            Finding(ERROR, "BACKUP_PUBLIC_KEY manque : les sauvegardes ne sont pas chiffrées")
        )
    if config.get("BACKUP_IDENTITY"):
        found.append(
            Finding(
                WARNING,
                "BACKUP_IDENTITY est réglée sur ce serveur : la clé privée des sauvegardes "
                "devrait rester hors du serveur qui les écrit",
            )
        )
    return found


def migration_findings(app: Flask) -> list[Finding]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    migrate: Migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config())
    heads = set(script.get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        return [
            Finding(
                ERROR,
                f"base à la révision {', '.join(sorted(current)) or 'aucune'}, le code attend "
                f"{', '.join(sorted(heads))} : lancez « flask --app app db upgrade »",
            )
        ]
    return []


def state_findings(app: Flask) -> list[Finding]:
    found = []
    now = utcnow()
    lag = seal_lag()
    if lag is not None and lag > MAX_SEAL_LAG:
        found.append(
            Finding(
                ERROR, f"journal d'activité non scellé depuis {_hours(lag)} h : « activity seal »"
            )
        )
    limit = timedelta(hours=int(app.config["BACKUP_MAX_AGE_HOURS"]))
    for target, at in last_successes().items():
        if at is None:
            found.append(Finding(ERROR, f"sauvegarde vers {target} : jamais réussie"))
        elif now - at > limit:
            found.append(
                Finding(
                    ERROR,
                    f"sauvegarde vers {target} : dernière réussie il y a {_hours(now - at)} h",
                )
            )
    runs = last_runs()
    for command, interval in expected_commands(app.config).items():
        at = runs.get(command)
        if at is None:
            found.append(Finding(ERROR, f"« {command} » n'a jamais été lancée (cron)"))
        elif now - at > interval:
            found.append(
                Finding(
                    ERROR,
                    f"« {command} » : dernière exécution réussie il y a {_hours(now - at)} h "
                    f"(attendue au moins toutes les {_hours(interval)} h)",
                )
            )
    return found


def production_findings(app: Flask) -> list[Finding]:
    """Everything ``check`` reports, settings first. A database behind the code is reported
    alone: its tables may not be there to read."""
    behind = migration_findings(app)
    return settings_findings(app) + (behind or state_findings(app))
