"""The admin home's panel: the last successful backup of each target, and a warning when one
is missing or older than ``BACKUP_MAX_AGE_HOURS``."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from models import utcnow
from services.backup import last_successes, targets


def backups_panel(**_) -> dict:
    """Each target with its last success and whether it is late."""
    limit = timedelta(hours=int(current_app.config["BACKUP_MAX_AGE_HOURS"]))
    now = utcnow()
    rows = [
        {"target": target, "at": at, "late": at is None or now - at > limit}
        for target, at in last_successes().items()
    ]
    return {
        "configured": bool(targets()),
        "rows": rows,
        "late": not rows or any(row["late"] for row in rows),
        "hours": int(current_app.config["BACKUP_MAX_AGE_HOURS"]),
    }
