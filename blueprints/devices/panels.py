"""Panels of the devices area on the client dashboard and on the admin client page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from blueprints.devices.rules import clients_may_add_devices
from models import db
from models.device import Device, Licence
from web import dashboard


def _counts_statement() -> sa.Select:
    client_id = sa.bindparam("client_id")
    devices = sa.select(sa.func.count()).select_from(Device).where(Device.client_id == client_id)
    licences = sa.select(sa.func.count()).select_from(Licence).where(Licence.client_id == client_id)
    return sa.select(devices.scalar_subquery().label("d"), licences.scalar_subquery().label("l"))


# Built once: the dashboard runs it on every visit.
_COUNTS = _counts_statement()


def _counts(client_id: int) -> dict:
    """How many devices and licences ``client_id`` has, in one query."""
    row = db.session.execute(_COUNTS, {"client_id": client_id}).one()
    return {"devices_count": row.d, "licences_count": row.l}


def _client_of(client=None, user=None, **_):
    """The client the page is about, whatever name the page gives it."""
    if client is not None:
        return client
    user = user or current_user
    return getattr(user, "client", None)


def client_panel(**context) -> dict | None:
    """The client's devices at a glance: counts and a link."""
    client = _client_of(**context)
    if client is None:
        return None
    return {"client": client, "may_add": clients_may_add_devices(), **_counts(client.id)}


def admin_client_panel(**context) -> dict | None:
    """A client's devices at a glance, on the admin client page."""
    client = context.get("client")
    if client is None:
        return None
    return {"client": client, **_counts(client.id)}


def register_panels(app) -> None:
    """The devices panels, on the client dashboard and the admin client page of ``app``."""
    dashboard.register_panel(
        app, "client", "devices", "devices/_panel_client.html", client_panel, 30
    )
    dashboard.register_panel(
        app, "admin_client", "devices", "devices/_panel_admin_client.html", admin_client_panel, 40
    )
