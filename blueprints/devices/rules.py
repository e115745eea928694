"""Rules of devices and licences: encryption of identifiers, search by serial number, scoping.

Serial numbers and licence keys never reach the database in clear: they go through
:func:`set_serial_number` / :func:`set_licence_key` and come back through :func:`serial_number`
/ :func:`licence_key`.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import joinedload

from models import db
from models.device import Device, Licence
from services.crypto import blind_index, decrypt, encrypt, mask

SERIAL_INDEX_PURPOSE = "device.serial_number"
_SEPARATORS = re.compile(r"[\s\-_./:]+")


def normalise_serial(value: str | None) -> str:
    """A serial number as compared: upper case, without spaces and separators."""
    return _SEPARATORS.sub("", value or "").upper()


def serial_index(value: str | None) -> str | None:
    """The blind index of a serial number, or None for an empty one."""
    normalised = normalise_serial(value)
    return blind_index(normalised, SERIAL_INDEX_PURPOSE) if normalised else None


def set_serial_number(device: Device, value: str | None) -> None:
    """Store ``value`` encrypted on ``device``, with its blind index (empty clears both)."""
    value = (value or "").strip() or None
    device.serial_number_encrypted = encrypt(value)
    device.serial_number_index = serial_index(value)


def serial_number(device: Device) -> str | None:
    """The clear serial number of ``device``."""
    return decrypt(device.serial_number_encrypted)


def set_licence_key(licence: Licence, value: str | None) -> None:
    """Store ``value`` encrypted on ``licence`` (empty clears it)."""
    licence.licence_key_encrypted = encrypt((value or "").strip() or None)


def licence_key(licence: Licence) -> str | None:
    """The clear licence number or key of ``licence``."""
    return decrypt(licence.licence_key_encrypted)


def masked(token: str | None) -> str:
    """What a page shows of an encrypted value: its last characters only."""
    return mask(decrypt(token)) if token else ""


def find_client_ids_by_serial(query: str) -> sa.Select:
    """A SELECT of the ids of clients owning a device whose serial number equals ``query``.

    Comparison ignores case, spaces and separators; the serial numbers are never decrypted (the
    search runs on the blind index). For the admin client search: ``Client.id.in_(...)``.
    """
    index = serial_index(query)
    condition = Device.serial_number_index == index if index else sa.false()
    return sa.select(Device.client_id).where(condition).distinct()


def clients_may_add_devices() -> bool:
    return bool(current_app.config.get("CLIENTS_MAY_ADD_DEVICES", True))


def client_may_change(device: Device, user) -> bool:
    """A client changes or deletes only the devices they added themselves, while allowed."""
    return clients_may_add_devices() and device.created_by_id == user.id


def client_devices_query(client_id: int) -> sa.Select:
    """The devices of one client, by name."""
    return sa.select(Device).where(Device.client_id == client_id).order_by(Device.name, Device.id)


def client_licences_query(client_id: int) -> sa.Select:
    """The licences of one client, by product, with their device loaded."""
    return (
        sa.select(Licence)
        .where(Licence.client_id == client_id)
        .options(joinedload(Licence.device))
        .order_by(Licence.product, Licence.id)
    )


def device_of_client_or_404(device_id: int, client_id: int) -> Device:
    """The device ``device_id`` if it belongs to ``client_id``; anything else is a 404."""
    device = db.session.scalar(
        sa.select(Device).where(Device.id == device_id, Device.client_id == client_id)
    )
    if device is None:
        abort(404)
    return device


def licence_of_client_or_404(licence_id: int, client_id: int) -> Licence:
    """The licence ``licence_id`` if it belongs to ``client_id``; anything else is a 404."""
    licence = db.session.scalar(
        sa.select(Licence)
        .where(Licence.id == licence_id, Licence.client_id == client_id)
        .options(joinedload(Licence.device))
    )
    if licence is None:
        abort(404)
    return licence
