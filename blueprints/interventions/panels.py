"""Panels of interventions: the client dashboard, the admin home and the admin client page."""

from __future__ import annotations

from flask_login import current_user

from blueprints.interventions.rules import admin_today, recent_interventions
from web import dashboard

RECENT = 3


def _client_of(client=None, user=None, **_):
    """The client the page is about, whatever name the page gives it."""
    if client is not None:
        return client
    return getattr(user or current_user, "client", None)


def client_panel(**context) -> dict | None:
    """The client's latest interventions."""
    client = _client_of(**context)
    if client is None:
        return None
    return {"interventions": recent_interventions(client.id, RECENT)}


def admin_panel(**_context) -> dict:
    """Interventions planned today and in progress."""
    return admin_today()


def admin_client_panel(**context) -> dict | None:
    """A client's latest interventions, on the admin client page."""
    client = context.get("client")
    if client is None:
        return None
    return {"client": client, "interventions": recent_interventions(client.id, RECENT)}


def register_panels(app) -> None:
    """The interventions panels, on the three dashboard pages of ``app``."""
    dashboard.register_panel(
        app, "client", "interventions", "interventions/_panel_client.html", client_panel, 20
    )
    dashboard.register_panel(
        app, "admin", "interventions", "interventions/_panel_admin.html", admin_panel, 20
    )
    dashboard.register_panel(
        app,
        "admin_client",
        "interventions",
        "interventions/_panel_admin_client.html",
        admin_client_panel,
        50,
    )
