"""Demo data of interventions for the demo clients: one in each status."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

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
    # (days from today, hour, kind, status, minutes, description, report)
    (
        -20,
        9,
        "on_site",
        STATUS_DONE,
        90,
        "Installation de l'imprimante et configuration du Wi-Fi.",
        "<p>Imprimante installée et partagée. <strong>Pilotes à jour.</strong></p>",
    ),
    (
        -3,
        14,
        "remote",
        STATUS_CANCELLED,
        None,
        "Prise en main à distance : lenteurs au démarrage.",
        None,
    ),
    (0, 10, "workshop", STATUS_IN_PROGRESS, 45, "Remplacement du disque par un SSD.", None),
    (7, 15, "on_site", STATUS_PLANNED, None, "Sauvegarde et mise à jour du système.", None),
]


def _first_device(client_id: int) -> list[Device]:
    """The client's first device as a list (empty when the devices area made none)."""
    return list(
        db.session.scalars(
            sa.select(Device).where(Device.client_id == client_id).order_by(Device.id).limit(1)
        )
    )


def add_demo_interventions(admin, clients) -> None:
    """One intervention in each status for each client, on the client's first device."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for client in clients:
        first_device = _first_device(client.id)
        for days, hour, kind, status, minutes, description, report in DEMO_INTERVENTIONS:
            starts_at = (now + timedelta(days=days)).replace(hour=hour)
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
