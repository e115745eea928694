"""Panels of the tickets area on the client dashboard, the admin home and the admin client page.

Each loader runs a fixed number of queries, whatever the number of tickets.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_login import current_user

from blueprints.tickets.rules import client_ticket_counts
from models import db, utcnow
from models.data_rights import OPEN_STATUSES as OPEN_REQUEST_STATUSES
from models.data_rights import DataRightsRequest
from models.ticket import OPEN_STATUSES, Ticket
from web import dashboard

RECENT = 5
_open = Ticket.status.in_(OPEN_STATUSES)
_unread_by_staff = sa.and_(
    Ticket.last_client_message_at.is_not(None),
    sa.or_(Ticket.staff_seen_at.is_(None), Ticket.last_client_message_at > Ticket.staff_seen_at),
)


def client_panel(client=None, **_context) -> dict | None:
    """The client's open tickets and the answers they have not read."""
    client = client or getattr(current_user, "client", None)
    if client is None:
        return None
    open_count, unread = client_ticket_counts(client.id)
    return {"open_count": open_count, "unread_count": unread}


def admin_panel(admin=None, **_context) -> dict:
    """What waits for the staff: open, unassigned, unread, mine; data-rights deadlines."""
    counts = db.session.execute(
        sa.select(
            sa.func.count().label("open"),
            sa.func.count(sa.case((Ticket.assignee_id.is_(None), 1))).label("unassigned"),
            sa.func.count(sa.case((_unread_by_staff, 1))).label("unread"),
            sa.func.count(sa.case((Ticket.assignee_id == getattr(admin, "id", None), 1))).label(
                "mine"
            ),
        ).where(_open)
    ).one()
    due = db.session.scalars(
        sa.select(DataRightsRequest)
        .where(DataRightsRequest.status.in_(OPEN_REQUEST_STATUSES))
        .order_by(DataRightsRequest.deadline, DataRightsRequest.id)
        .limit(RECENT)
    ).all()
    return {"counts": counts, "requests": due, "today": utcnow().date()}


def admin_client_panel(client=None, **_context) -> dict | None:
    """A client's latest tickets, on the admin client page."""
    if client is None:
        return None
    tickets = db.session.scalars(
        sa.select(Ticket)
        .where(Ticket.client_id == client.id)
        .order_by(Ticket.last_message_at.desc(), Ticket.id.desc())
        .limit(RECENT)
    ).all()
    return {"client": client, "tickets": tickets}


def register_panels(app: Flask) -> None:
    """The tickets panels, on the three dashboard pages of ``app``."""
    dashboard.register_panel(
        app, "client", "tickets", "tickets/_panel_client.html", client_panel, 10
    )
    dashboard.register_panel(app, "admin", "tickets", "tickets/_panel_admin.html", admin_panel, 10)
    dashboard.register_panel(
        app, "admin_client", "tickets", "tickets/_panel_admin_client.html", admin_client_panel, 30
    )
