"""Panels of the invoices area on the client dashboard and on the admin client page."""

from __future__ import annotations

from flask_login import current_user

from blueprints.invoices.billing import client_summary
from services.dates import company_today
from web import dashboard


def _client_of(client=None, user=None, **_):
    if client is not None:
        return client
    user = user or current_user
    return getattr(user, "client", None)


def client_panel(**context) -> dict | None:
    """The client's invoices at a glance: amount due and overdue invoices (one query)."""
    client = _client_of(**context)
    if client is None:
        return None
    return {"client": client, **client_summary(client.id, company_today())}


def admin_client_panel(**context) -> dict | None:
    """A client's invoices at a glance, on the admin client page."""
    client = context.get("client")
    if client is None:
        return None
    return {"client": client, **client_summary(client.id, company_today())}


def register_panels(app) -> None:
    """The invoices panels, on the client dashboard and the admin client page of ``app``."""
    dashboard.register_panel(
        app, "client", "invoices", "invoices/_panel_client.html", client_panel, 40
    )
    dashboard.register_panel(
        app,
        "admin_client",
        "invoices",
        "invoices/_panel_admin_client.html",
        admin_client_panel,
        50,
    )
