"""Panels of the contracts area on the client dashboard and on the admin client page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from models import db
from models.contract import STATUS_ACTIVE, Contract
from services.dates import company_today
from web import dashboard

# Built once: the dashboard runs it on every visit.
_SUMMARY = sa.select(sa.func.count(), sa.func.min(Contract.ends_on)).where(
    Contract.client_id == sa.bindparam("client_id"), Contract.status == STATUS_ACTIVE
)


def _summary(client_id: int) -> dict:
    """Running contracts and the next deadline among them, in one query."""
    count, next_end = db.session.execute(_SUMMARY, {"client_id": client_id}).one()
    days = (next_end - company_today()).days if next_end else None
    return {"running": count, "next_end": next_end, "days_left": days}


def client_panel(client=None, user=None, **_) -> dict | None:
    """The client's running contracts at a glance, when they have any."""
    client = client or getattr(user or current_user, "client", None)
    if client is None:
        return None
    summary = _summary(client.id)
    if not summary["running"]:
        return None
    return {"client": client, **summary}


def admin_client_panel(client=None, **_) -> dict | None:
    """A client's running contracts and next deadline, on the admin client page."""
    if client is None:
        return None
    return {"client": client, **_summary(client.id)}


def register_panels(app) -> None:
    """The contracts panels, on the client dashboard and the admin client page of ``app``."""
    dashboard.register_panel(
        app, "client", "contracts", "contracts/_panel_client.html", client_panel, 35
    )
    dashboard.register_panel(
        app,
        "admin_client",
        "contracts",
        "contracts/_panel_admin_client.html",
        admin_client_panel,
        45,
    )
