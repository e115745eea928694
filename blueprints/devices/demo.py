"""Demo data of devices and licences for the demo clients."""

from __future__ import annotations

from datetime import date, timedelta

from blueprints.devices.rules import set_licence_key, set_serial_number
from models import db
from models.device import Device, Licence

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


def add_demo_devices(admin, clients) -> None:
    """Devices with serial numbers and a licence tied to the first device, for each client."""
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
