"""The retention clock: until when a client's personal data may be kept.

The policy keeps a client's data "jusqu'à UN (1) an après la durée des interventions et de la fin
de validité des contrats et abonnements". Each area whose records end (interventions, contracts)
registers on the app a source of end dates: a query of ``(client_id, day)`` rows. A client's
clock starts at the latest of those days, or at their last activity (last login, else the
creation of their space) when they never had any; it runs ``RETENTION_AFTER_END_DAYS``.

The purge, the admins' list of upcoming deletions, the client's privacy page and the privacy
notice read it here, so that they never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from models.client import Client
from models.user import User

EXTENSION = "espace_client_retention_sources"
# The union of the sources, built once per app (for every client, and for chosen ones): building
# it costs several times running it for one client (the admins' client page asks each visit).
STATEMENTS = "espace_client_retention_statements"
# Where the clock of a client without any intervention or contract starts.
LAST_ACTIVITY = "activity"

EndSource = Callable[[], sa.Select]


def register_end_source(app: Flask, name: str, source: EndSource) -> None:
    """Add (or replace) the source of end dates ``name`` on ``app``.

    ``source()`` returns a select of two columns, the client's id and a day (a ``Date``): the
    end of one of their records. Records still running give their planned end. It is called
    once per app (the union is kept), so it must not depend on the day or the request.
    """
    app.extensions.setdefault(EXTENSION, {})[name] = source
    app.extensions.pop(STATEMENTS, None)


def day_of(column) -> sa.ColumnElement:
    """The day of a date-time column, as a ``Date``, on SQLite and MariaDB alike."""
    return sa.func.date(column, type_=sa.Date)


@dataclass(frozen=True)
class RetentionClock:
    """When a client's clock started, from which source, and when it runs out."""

    client_id: int
    started_on: date
    source: str  # a registered source's name, or LAST_ACTIVITY
    ends_on: date

    def days_left(self, today: date) -> int:
        return (self.ends_on - today).days


def retention_days(config) -> int:
    return int(config["RETENTION_AFTER_END_DAYS"])


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite's DATE() of a union's column comes back as text
        return date.fromisoformat(value[:10])
    return value


# The client ids a statement of chosen clients is run with.
_IDS = sa.bindparam("client_ids", expanding=True)


def _last_activity(chosen: bool) -> sa.Select:
    started = sa.func.coalesce(User.last_login_at, Client.created_at)
    query = sa.select(Client.id, day_of(started)).join(User, Client.user_id == User.id)
    if chosen:
        query = query.where(Client.id.in_(_IDS))
    return query


def _clocks_statement(app: Flask, chosen: bool) -> sa.CompoundSelect:
    """Each source's latest day per client, and each client's last activity: one union.

    ``chosen``: limited to the ids given as ``client_ids`` when run.
    """
    built = app.extensions.setdefault(STATEMENTS, {})
    statement = built.get(chosen)
    if statement is not None:
        return statement
    parts = []
    for name, source in sorted(app.extensions.get(EXTENSION, {}).items()):
        query = source().subquery()
        client_col, day_col = list(query.c)
        part = sa.select(
            client_col.label("client_id"),
            sa.literal(name).label("source"),
            sa.func.max(day_col).label("day"),
        ).group_by(client_col)
        if chosen:
            part = part.where(client_col.in_(_IDS))
        parts.append(part)
    activity = _last_activity(chosen).subquery()
    client_col, day_col = list(activity.c)
    parts.append(
        sa.select(
            client_col.label("client_id"),
            sa.literal(LAST_ACTIVITY).label("source"),
            day_col.label("day"),
        )
    )
    statement = built[chosen] = sa.union_all(*parts)
    return statement


def retention_clocks(
    session: Session, client_ids: Iterable[int] | None = None, app: Flask | None = None
) -> dict[int, RetentionClock]:
    """The clock of each client (of ``client_ids``, or every client), in one query.

    Each source's rows are reduced to the latest day per client in the database; the client's
    clock starts at the latest of them, the last activity counting only for a client no source
    names.
    """
    app = app or current_app
    ids = None if client_ids is None else list(client_ids)
    if ids == []:
        return {}
    if ids is None:
        rows = session.execute(_clocks_statement(app, chosen=False)).all()
    else:
        rows = session.execute(_clocks_statement(app, chosen=True), {"client_ids": ids}).all()
    best: dict[int, tuple[date, str]] = {}
    fallback: dict[int, date] = {}
    for client_id, source, day in rows:
        if day is None:
            continue
        day = _as_date(day)
        if source == LAST_ACTIVITY:
            fallback[client_id] = day
        elif client_id not in best or day > best[client_id][0]:
            best[client_id] = (day, source)
    for client_id, day in fallback.items():
        best.setdefault(client_id, (day, LAST_ACTIVITY))
    keep = timedelta(days=retention_days(app.config))
    return {
        client_id: RetentionClock(client_id, day, source, day + keep)
        for client_id, (day, source) in best.items()
    }


def retention_clock(session: Session, client_id: int) -> RetentionClock | None:
    """The clock of one client (None if there is no such client)."""
    return retention_clocks(session, [client_id]).get(client_id)


def clocks_running_out(session: Session, today: date, within_days: int) -> list[RetentionClock]:
    """The clocks that end within ``within_days`` of ``today`` or already ended, soonest first."""
    limit = today + timedelta(days=within_days)
    clocks = [c for c in retention_clocks(session).values() if c.ends_on <= limit]
    return sorted(clocks, key=lambda clock: (clock.ends_on, clock.client_id))
