"""Rules of the data-rights area: the requests admins follow, what a client sees of their data.

Flask-free; the routes pass the values and commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import db
from models.activity import ActivityLog
from models.client import Client
from models.consent import ConsentRecord
from models.data_rights import OPEN_STATUSES, DataRightsRequest
from models.user import User
from services.activity import CLIENT_VIEWED
from services.i18n import lazy_gettext as _l

# The parts of a client file an admin may open, as the client reads them.
SECTIONS = {
    "identity": _l("votre identité"),
    "contact": _l("vos coordonnées"),
    "company": _l("votre entreprise"),
    "devices": _l("vos équipements"),
    "interventions": _l("vos interventions"),
    "tickets": _l("vos tickets"),
    "invoices": _l("vos factures"),
    "contracts": _l("vos contrats"),
    "privacy": _l("vos demandes sur vos données"),
}

STATE_OPEN = "open"
STATE_ALL = "all"


def requests_page(state: str, page: int, size: int) -> tuple[list[DataRightsRequest], bool]:
    """A page of requests, the nearest deadline first; and whether another page follows.

    Requests are few (a handful a year): plain pages are enough here.
    """
    query = sa.select(DataRightsRequest).options(
        joinedload(DataRightsRequest.client).joinedload(Client.user)
    )
    if state == STATE_OPEN:
        query = query.where(DataRightsRequest.status.in_(OPEN_STATUSES))
    query = query.order_by(DataRightsRequest.deadline, DataRightsRequest.id)
    rows = db.session.scalars(query.offset(page * size).limit(size + 1)).unique().all()
    return rows[:size], len(rows) > size


def requests_of_client(client_id: int) -> list[DataRightsRequest]:
    """The client's requests, the latest first."""
    return list(
        db.session.scalars(
            sa.select(DataRightsRequest)
            .where(DataRightsRequest.client_id == client_id)
            .order_by(DataRightsRequest.received_at.desc(), DataRightsRequest.id.desc())
        )
    )


def views_of_client(client_id: int, before: int | None, size: int):
    """Who at the company opened the client's data, the latest first, and the next cursor.

    Each entry: (date, admin's name, the part viewed). An admin account removed since keeps
    its place as "un administrateur".
    """
    query = (
        sa.select(ActivityLog.id, ActivityLog.created_at, ActivityLog.detail, User.display_name)
        .outerjoin(User, User.id == ActivityLog.actor_id)
        .where(
            ActivityLog.target_type == "client",
            ActivityLog.target_id == client_id,
            ActivityLog.action == CLIENT_VIEWED,
        )
    )
    if before is not None:
        query = query.where(ActivityLog.id < before)
    rows = db.session.execute(query.order_by(ActivityLog.id.desc()).limit(size + 1)).all()
    next_before = rows[size - 1].id if len(rows) > size else None
    return [
        (row.created_at, row.display_name, section_of(row.detail)) for row in rows[:size]
    ], next_before


def section_of(detail: str | None) -> str | None:
    """The part of the client file an admin opened, in the client's words (None: the file)."""
    for part in (detail or "").split():
        name, _sep, value = part.partition("=")
        if name == "section":
            label = SECTIONS.get(value)
            return str(label) if label else None
    return None


CONSENTS_SHOWN = 20


def consent_history(client_id: int) -> list[ConsentRecord]:
    """The client's latest consent records, newest first."""
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(ConsentRecord.client_id == client_id)
            .order_by(ConsentRecord.id.desc())
            .limit(CONSENTS_SHOWN)
        )
    )
