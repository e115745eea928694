"""Demo data of devices, licences and interventions for the demo clients."""

from __future__ import annotations

from datetime import date, timedelta

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


def add_demo_devices_and_interventions(admin, clients) -> None:
    """Devices with serial numbers, a licence and one intervention in each status."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for client, devices in zip(clients, DEMO_DEVICES, strict=False):
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
