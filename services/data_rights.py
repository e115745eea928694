"""Data-protection rights requests: when they are due, and opening one (no request objects here)."""

from __future__ import annotations

import calendar
from datetime import date, datetime

import sqlalchemy as sa

from models import db, utcnow
from models.data_rights import (
    KIND_ERASURE,
    KINDS,
    OPEN_STATUSES,
    STATUS_CANCELLED,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_RECEIVED,
    STATUS_REFUSED,
    DataRightsRequest,
)
from services.i18n import gettext as _

# What an admin may do to a request of each status.
TRANSITIONS = {
    STATUS_RECEIVED: (STATUS_IN_PROGRESS, STATUS_DONE, STATUS_REFUSED, STATUS_CANCELLED),
    STATUS_IN_PROGRESS: (STATUS_DONE, STATUS_REFUSED, STATUS_CANCELLED),
    STATUS_DONE: (),
    STATUS_REFUSED: (),
    STATUS_CANCELLED: (),
}
CLOSED = (STATUS_DONE, STATUS_REFUSED, STATUS_CANCELLED)

# Areas register what an erasure must look at first (unpaid invoices, open tickets...):
# ``check(client_id) -> (label, count)``, in app.extensions under this name.
ERASURE_CHECKS = "espace_client_erasure_checks"


def legal_deadline(received: date | datetime) -> date:
    """The day the answer is due: one month after receipt (GDPR art. 12.3).

    The same day of the next month; when that month is shorter, its last day (31 January gives
    28 or 29 February).
    """
    day = received.date() if isinstance(received, datetime) else received
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def open_request_of(client_id: int, kind: str) -> DataRightsRequest | None:
    """The client's request of ``kind`` still being handled, if any."""
    return db.session.scalar(
        sa.select(DataRightsRequest)
        .where(
            DataRightsRequest.client_id == client_id,
            DataRightsRequest.kind == kind,
            DataRightsRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(DataRightsRequest.id)
        .limit(1)
    )


def open_request(client_id: int, kind: str, *, ticket_id: int | None = None) -> DataRightsRequest:
    """Record a request of ``kind`` received now, with its legal deadline; the caller commits.

    A second request of the same kind while one is open is the same request: it is returned
    unchanged, so that the deadline runs from the first receipt.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown data-rights request kind {kind!r}")
    existing = open_request_of(client_id, kind)
    if existing is not None:
        return existing
    received = utcnow()
    request = DataRightsRequest(
        client_id=client_id,
        kind=kind,
        received_at=received,
        deadline=legal_deadline(received),
        ticket_id=ticket_id,
    )
    db.session.add(request)
    db.session.flush()
    return request


def request_of_ticket(ticket_id: int) -> DataRightsRequest | None:
    """The data-rights request that ticket ``ticket_id`` opened, if any."""
    return db.session.scalar(
        sa.select(DataRightsRequest)
        .where(DataRightsRequest.ticket_id == ticket_id)
        .order_by(DataRightsRequest.id)
        .limit(1)
    )


def request_status_problem(request: DataRightsRequest, new_status: str) -> str | None:
    """Why ``request`` may not move to ``new_status``, or None."""
    if new_status not in TRANSITIONS:
        return _("Ce statut n'existe pas.")
    if new_status not in TRANSITIONS[request.status]:
        return _("Cette demande ne peut plus passer à ce statut.")
    if request.kind == KIND_ERASURE and new_status == STATUS_DONE and request.client_id:
        return _("Une demande d'effacement est traitée en effaçant le client (bouton ci-dessous).")
    return None


def change_request_status(request: DataRightsRequest, new_status: str) -> None:
    """Move ``request`` to ``new_status`` (checked first); closing it dates it. Caller commits."""
    problem = request_status_problem(request, new_status)
    if problem:
        raise ValueError(problem)
    request.status = new_status
    request.closed_at = utcnow() if new_status in CLOSED else None


def register_erasure_check(app, name: str, check) -> None:
    """Let the erasure checklist of ``app`` ask ``check(client_id) -> (label, count)``."""
    app.extensions.setdefault(ERASURE_CHECKS, {})[name] = check


def erasure_checklist(app, client_id: int) -> list[tuple[str, int]]:
    """What each area says must be settled before erasing ``client_id``: (label, count)."""
    return [check(client_id) for check in app.extensions.get(ERASURE_CHECKS, {}).values()]
