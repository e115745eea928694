"""Rules of interventions: status changes, end date, Paris time, pagination, retention clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from models import db, utcnow
from models.client import Client
from models.intervention import (
    STATUS_CANCELLED,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_PLANNED,
    STATUSES,
    Intervention,
    InterventionEvent,
)
from services.dates import local_to_utc, utc_to_local
from services.i18n import lazy_gettext as _l
from services.retention import day_of

# Which status may follow which. A finished intervention may be reopened (a mistake, a
# relapse); a cancelled one may be planned again.
TRANSITIONS = {
    STATUS_PLANNED: {STATUS_IN_PROGRESS, STATUS_DONE, STATUS_CANCELLED},
    STATUS_IN_PROGRESS: {STATUS_PLANNED, STATUS_DONE, STATUS_CANCELLED},
    STATUS_DONE: {STATUS_IN_PROGRESS},
    STATUS_CANCELLED: {STATUS_PLANNED},
}


STATUS_ACTIONS = {
    STATUS_PLANNED: _l("Replanifier"),
    STATUS_IN_PROGRESS: _l("Passer en cours"),
    STATUS_DONE: _l("Terminer"),
    STATUS_CANCELLED: _l("Annuler l'intervention"),
}


def allowed_statuses(current: str) -> list[str]:
    """The statuses an intervention in ``current`` may move to, in the usual order."""
    return [code for code in STATUSES if code in TRANSITIONS.get(current, set())]


def status_action(code: str) -> str:
    """The label of the button that moves an intervention to ``code``."""
    return str(STATUS_ACTIONS.get(code, code))


class InterventionRuleError(ValueError):
    """A change that the rules of interventions refuse; the message is for the admin."""


def format_duration(minutes: int | None) -> str:
    """Minutes shown as ``h:mm`` (90 → ``1:30``); nothing for no value."""
    if minutes is None:
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"


_DURATION = re.compile(r"^\s*(?:(\d{1,4})\s*[:h]\s*(\d{1,2})?|(\d{1,6}))\s*(?:min)?\s*$", re.I)


def parse_duration(text: str | None) -> int | None:
    """Minutes from ``90``, ``1:30`` or ``1h30``; None when empty; ValueError when unreadable."""
    if text is None or not text.strip():
        return None
    match = _DURATION.match(text)
    if not match:
        raise ValueError(text)
    hours, minutes, plain = match.groups()
    if plain is not None:
        return int(plain)
    minutes = int(minutes or 0)
    if minutes >= 60:
        raise ValueError(text)
    return int(hours) * 60 + minutes


def transition_problem(current: str | None, new: str):
    """Why ``current`` cannot become ``new``, or None when it may."""
    if current is None or current == new:
        return None
    if new not in TRANSITIONS.get(current, set()):
        return _l("Ce changement de statut n'est pas permis.")
    return None


def end_date_problem(status: str, starts_at: datetime | None, ended_at: datetime | None):
    """Why ``ended_at`` does not fit an intervention in ``status``, or None when it does."""
    if status == STATUS_DONE and ended_at is None:
        return _l("La date de fin est obligatoire pour une intervention terminée.")
    if status in (STATUS_PLANNED, STATUS_IN_PROGRESS) and ended_at is not None:
        return _l("La date de fin ne s'indique qu'une fois l'intervention terminée ou annulée.")
    if ended_at is not None and starts_at is not None and ended_at < starts_at:
        return _l("La date de fin ne peut pas précéder le début de l'intervention.")
    return None


def default_end_date(
    previous_status: str | None, new_status: str, ended_at: datetime | None
) -> datetime | None:
    """The end date to keep: now when the intervention just became finished without one."""
    if new_status == STATUS_DONE and previous_status != STATUS_DONE and ended_at is None:
        return utcnow().replace(microsecond=0)
    return ended_at


def record_status(intervention: Intervention, previous: str | None, actor) -> None:
    """Append the status change of ``intervention`` to its history (nothing when unchanged)."""
    if previous == intervention.status:
        return
    intervention.events.append(
        InterventionEvent(
            from_status=previous, to_status=intervention.status, actor_id=getattr(actor, "id", None)
        )
    )


def change_status(intervention: Intervention, new_status: str, actor) -> None:
    """Move ``intervention`` to ``new_status`` or raise :class:`InterventionRuleError`.

    Finishing it sets the end date to now; reopening or planning it again clears the end date.
    The change joins the history; the caller logs and commits.
    """
    previous = intervention.status
    problem = transition_problem(previous, new_status)
    if problem is None and previous == new_status:
        problem = _l("L'intervention a déjà ce statut.")
    ended_at = default_end_date(previous, new_status, intervention.ended_at)
    if new_status in (STATUS_PLANNED, STATUS_IN_PROGRESS):
        ended_at = None  # reopened or planned again: it has not ended
    problem = problem or end_date_problem(new_status, intervention.starts_at, ended_at)
    if problem:
        raise InterventionRuleError(str(problem))
    intervention.status = new_status
    intervention.ended_at = ended_at
    record_status(intervention, previous, actor)


def last_activity_date(client_id: int) -> datetime | None:
    """The end of the client's latest finished intervention (naive UTC), or None.

    The privacy policy keeps client data "jusqu'à un an après la durée des interventions": the
    retention clock of the GDPR area starts at this date (together with contracts' ends). No
    page calls it yet: it is kept, with its test, for the data-rights work (retention and
    erasure), which will use it.
    """
    return db.session.scalar(
        sa.select(sa.func.max(Intervention.ended_at)).where(
            Intervention.client_id == client_id, Intervention.status == STATUS_DONE
        )
    )


# ---------------------------------------------------------------- lists, keyset paginated

_CURSOR = re.compile(r"^(\d{14})-(\d{1,18})$")


def make_cursor(intervention: Intervention) -> str:
    return f"{intervention.starts_at:%Y%m%d%H%M%S}-{intervention.id}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The (starts_at, id) of a ``before`` cursor; None for none or an unreadable one."""
    match = _CURSOR.match(value or "")
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d%H%M%S"), int(match.group(2))
    except ValueError:
        return None


def _newest_first(query: sa.Select, before: str | None, size: int):
    """One page of ``query`` newest first, and the cursor of the next page (or None)."""
    cursor = parse_cursor(before)
    if cursor is not None:
        starts_at, last_id = cursor
        query = query.where(
            sa.or_(
                Intervention.starts_at < starts_at,
                sa.and_(Intervention.starts_at == starts_at, Intervention.id < last_id),
            )
        )
    query = query.order_by(Intervention.starts_at.desc(), Intervention.id.desc()).limit(size + 1)
    rows = db.session.scalars(query).unique().all()
    next_cursor = make_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor


def _with_relations(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(Intervention.technician),
        selectinload(Intervention.devices),
    )


def client_interventions(client_id: int, before: str | None = None, size: int = 25):
    """A page of the client's interventions, newest first, with the next page's cursor."""
    query = _with_relations(sa.select(Intervention).where(Intervention.client_id == client_id))
    return _newest_first(query, before, size)


# Built once: the dashboard runs it on every visit.
_RECENT = (
    sa.select(Intervention)
    .where(Intervention.client_id == sa.bindparam("client_id"))
    .order_by(Intervention.starts_at.desc(), Intervention.id.desc())
    .limit(sa.bindparam("size", type_=sa.Integer))
)


def recent_interventions(client_id: int, size: int) -> list[Intervention]:
    """The client's ``size`` latest interventions, without their devices (dashboard panels)."""
    return list(db.session.scalars(_RECENT, {"client_id": client_id, "size": size}))


def all_interventions(status: str | None = None, before: str | None = None, size: int = 25):
    """A page of every client's interventions (admins), optionally of one status."""
    query = _with_relations(sa.select(Intervention)).options(
        joinedload(Intervention.client).joinedload(Client.user)
    )
    if status:
        query = query.where(Intervention.status == status)
    return _newest_first(query, before, size)


def intervention_of_client_or_404(intervention_id: int, client_id: int) -> Intervention:
    """The intervention ``intervention_id`` if it belongs to ``client_id``; else a 404."""
    intervention = db.session.scalar(
        _with_relations(
            sa.select(Intervention).where(
                Intervention.id == intervention_id, Intervention.client_id == client_id
            )
        ).options(selectinload(Intervention.events))
    )
    if intervention is None:
        abort(404)
    return intervention


def intervention_or_404(intervention_id: int) -> Intervention:
    """Any intervention, for admins, with its client, devices and history."""
    intervention = db.session.scalar(
        _with_relations(sa.select(Intervention).where(Intervention.id == intervention_id))
        .options(joinedload(Intervention.client).joinedload(Client.user))
        .options(selectinload(Intervention.events))
    )
    if intervention is None:
        abort(404)
    return intervention


def today_bounds_utc() -> tuple[datetime, datetime]:
    """Start and end of today in Paris, as naive UTC."""
    today = utc_to_local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = today + timedelta(days=1)
    return local_to_utc(today), local_to_utc(tomorrow)


def admin_today() -> dict:
    """Interventions planned today and those in progress, for the admin home."""
    start, end = today_bounds_utc()
    query = (
        sa.select(Intervention)
        .where(
            sa.or_(
                sa.and_(
                    Intervention.status == STATUS_PLANNED,
                    Intervention.starts_at >= start,
                    Intervention.starts_at < end,
                ),
                Intervention.status == STATUS_IN_PROGRESS,
            )
        )
        .options(joinedload(Intervention.client).joinedload(Client.user))
        .order_by(Intervention.starts_at, Intervention.id)
        .limit(50)
    )
    rows = db.session.scalars(query).unique().all()
    return {
        "planned_today": [i for i in rows if i.status == STATUS_PLANNED],
        "in_progress": [i for i in rows if i.status == STATUS_IN_PROGRESS],
    }


def intervention_ends() -> sa.Select:
    """End of every intervention, for the retention clock (its start while it has no end)."""
    return sa.select(
        Intervention.client_id,
        day_of(sa.func.coalesce(Intervention.ended_at, Intervention.starts_at)),
    )
