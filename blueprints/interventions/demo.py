"""Demo data of devices, licences and interventions for the demo clients."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from blueprints.devices.rules import set_licence_key, set_serial_number
from blueprints.interventions.rules import record_status
from commands.demo import DEMO_STEPS
from models import db, utcnow
from models.device import Device, Licence
from models.intervention import (
    STATUS_CANCELLED,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_PLANNED,
    Intervention,
)

# (name, type, model, serial number) per demo client, in the order of commands.demo.DEMO_CLIENTS.
DEMO_DEVICES = [
    [
        ("PC portable de Marie", "laptop", "Lenovo ThinkPad E14", "PF3K9XZ2"),
        ("Imprimante du salon", "printer", "HP OfficeJet 8012e", "TH1A2B3C4D"),
        ("Box internet", "internet_box", "Livebox 6", "LB6-0042-7781"),
    ],
    [
        ("Poste de l'accueil", "desktop", "Dell OptiPlex 7010", "7GH2JK3"),
        ("Serveur de fichiers", "nas", "Synology DS923+", "2280QBR012345"),
    ],
    [("Ordinateur de l'association", "laptop", "Acer Aspire 5", "NXA1BEF00412345")],
]

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


def add_demo_devices_and_interventions(admin, clients) -> None:
    """Devices with serial numbers, a licence and one intervention in each status."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for client, devices, schedule in zip(clients, DEMO_DEVICES, DEMO_SCHEDULES, strict=False):
        made = []
        for name, kind, model, serial in devices:
            device = Device(
                client_id=client.id, name=name, type=kind, model=model, created_by_id=admin.id
            )
            set_serial_number(device, serial)
            db.session.add(device)
            made.append(device)
        licence = Licence(
            client_id=client.id,
            product="Microsoft 365 Business Standard",
            seats=len(made),
            expires_on=date.today() + timedelta(days=200),
            device=made[0],
        )
        set_licence_key(licence, "VK7JG-NPHTM-C97JM-9MPGT-3V66T")
        db.session.add(licence)
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
                devices=made[:1],
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


DEMO_STEPS.append(add_demo_devices_and_interventions)
