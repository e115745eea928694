"""The commands cron must run, how often, and when each last succeeded.

Each scheduled command is wrapped by :func:`scheduled`: a run that ends without an error records
its time (``scheduled_run``); ``flask --app app check`` reports a command that never ran or whose
last success is older than its interval allows.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from models import db, utcnow
from models.scheduled_run import ScheduledRun

DAILY = timedelta(hours=26)  # a day, and some slack for a slow run
FREQUENT = timedelta(hours=1)  # every few minutes; an hour without one is a stopped cron

# command -> longest acceptable time since its last success.
SCHEDULE = {
    "mail send": FREQUENT,
    "newsletters send": FREQUENT,
    "activity verify": DAILY,
    "billing remind": DAILY,
    "contracts renew": DAILY,
    "contracts remind": DAILY,
    "gdpr purge": DAILY,
    "gdpr birthdays": DAILY,
    "backup create": DAILY,
}


def expected_commands(config) -> dict[str, timedelta]:
    """The commands this installation must run: birthday wishes only when they are on."""
    return {
        name: interval
        for name, interval in SCHEDULE.items()
        if name != "gdpr birthdays" or config.get("BIRTHDAY_MAILS")
    }


def record_run(command: str, at: datetime | None = None) -> None:
    """Remember that ``command`` just succeeded (commits)."""
    db.session.rollback()  # whatever the command left open is not ours to commit
    run = db.session.get(ScheduledRun, command)
    if run is None:
        db.session.add(ScheduledRun(command=command, finished_at=at or utcnow()))
    else:
        run.finished_at = at or utcnow()
    db.session.commit()


def scheduled(command: str):
    """Decorate a cron command: its successful runs are recorded."""
    if command not in SCHEDULE:
        raise ValueError(f"{command!r} is not in SCHEDULE")

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            result = function(*args, **kwargs)
            record_run(command)
            return result

        return run

    return decorate


def last_runs() -> dict[str, datetime]:
    return {run.command: run.finished_at for run in db.session.query(ScheduledRun).all()}
