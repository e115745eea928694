"""Demo data of interventions for the demo clients: one in each status."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from blueprints.interventions.rules import record_status
from models import db, utcnow
from models.device import Device
from models.intervention import (
    STATUS_CANCELLED,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_PLANNED,
    Intervention,
)

DEMO_INTERVENTIONS = [
    # (kind, status, minutes, description, report): one in each status for every demo client
    (
        "on_site",
        STATUS_DONE,
        90,
        "Installation de l'imprimante et configuration du Wi-Fi.",
        "<p>Imprimante installée et partagée. <strong>Pilotes à jour.</strong></p>",
    ),
    ("remote", STATUS_CANCELLED, None, "Prise en main à distance : lenteurs au démarrage.", None),
    ("workshop", STATUS_IN_PROGRESS, 45, "Remplacement du disque par un SSD.", None),
    ("on_site", STATUS_PLANNED, None, "Sauvegarde et mise à jour du système.", None),
]

# When each of them starts, per client: (days from today, Paris time). Spread as a real week
# is: one workshop job today, others from the days before, nothing at the same hour.
DEMO_SCHEDULES = [
    [(-20, time(9, 0)), (-3, time(14, 0)), (0, time(10, 0)), (7, time(15, 0))],
    [(-34, time(11, 30)), (-6, time(9, 15)), (-1, time(16, 45)), (1, time(8, 30))],
    [(-12, time(14, 15)), (-9, time(10, 45)), (-2, time(11, 0)), (13, time(13, 30))],
]


def demo_start(days: int, at: time, zone: ZoneInfo) -> datetime:
    """``days`` from today at ``at`` local time, as stored: naive UTC."""
    local_day = utcnow().replace(tzinfo=UTC).astimezone(zone).date() + timedelta(days=days)
    local = datetime.combine(local_day, at, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _first_device(client_id: int) -> list[Device]:
    """The client's first device as a list (empty when the devices area made none)."""
    return list(
        db.session.scalars(
            sa.select(Device).where(Device.client_id == client_id).order_by(Device.id).limit(1)
        )
    )


def add_demo_interventions(admin, clients) -> None:
    """One intervention in each status for each client, on the client's first device, each
    client on a schedule of its own (Paris time)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for client, schedule in zip(clients, DEMO_SCHEDULES, strict=False):
        first_device = _first_device(client.id)
        for (days, at), demo in zip(schedule, DEMO_INTERVENTIONS, strict=True):
            kind, status, minutes, description, report = demo
            starts_at = demo_start(days, at, zone)
            intervention = Intervention(
                client_id=client.id,
                starts_at=starts_at,
                kind=kind,
                description=description,
                technician_id=admin.id,
                minutes_spent=minutes,
                status=status,
                report=report,
                ended_at=starts_at + timedelta(minutes=minutes or 60)
                if status == STATUS_DONE
                else None,
                devices=first_device,
            )
            intervention.events = []
            if status != STATUS_PLANNED:
                intervention.status = STATUS_PLANNED
                record_status(intervention, None, admin)
                intervention.status = status
                record_status(intervention, STATUS_PLANNED, admin)
            else:
                record_status(intervention, None, admin)
            db.session.add(intervention)
