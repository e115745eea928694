"""Devices (périphériques) of a client and their software licences.

Serial numbers and licence keys are stored only encrypted (``*_encrypted`` columns, see
``services.crypto``); the serial number also has a keyed hash (blind index) so that an admin can
find a client by serial number without decrypting every row.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, encrypted_info, encrypted_type, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_intervention = personal("intervention", "client_relationship")

# Stored code -> label shown; "other" comes last.
DEVICE_TYPES = {
    "laptop": _l("Ordinateur portable"),
    "desktop": _l("Ordinateur fixe"),
    "printer": _l("Imprimante"),
    "smartphone": _l("Smartphone"),
    "tablet": _l("Tablette"),
    "server": _l("Serveur"),
    "internet_box": _l("Box internet"),
    "router": _l("Routeur"),
    "nas": _l("NAS"),
    "other": _l("Autre"),
}

NAME_MAX = 100
MODEL_MAX = 100
SERIAL_MAX = 100
NOTES_MAX = 2000
PRODUCT_MAX = 150
LICENCE_KEY_MAX = 255


class Device(Base):
    __tablename__ = "device"
    __table_args__ = (sa.Index("ix_device_client_id_name", "client_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), info=_intervention)
    type: Mapped[str] = mapped_column(sa.String(16), default="other", info=_intervention)
    model: Mapped[str | None] = mapped_column(sa.String(MODEL_MAX), info=_intervention)
    serial_number_encrypted: Mapped[str | None] = mapped_column(
        encrypted_type(SERIAL_MAX), info=encrypted_info(SERIAL_MAX, _intervention)
    )
    # HMAC of the normalised serial number: equality search without the clear value.
    serial_number_index: Mapped[str | None] = mapped_column(
        sa.String(64), index=True, info=_intervention
    )
    notes: Mapped[str | None] = mapped_column(sa.Text, info=_intervention)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    client = relationship("Client")
    licences = relationship("Licence", back_populates="device", passive_deletes=True)

    @property
    def type_label(self) -> str:
        return str(DEVICE_TYPES.get(self.type, DEVICE_TYPES["other"]))

    def __repr__(self) -> str:
        return f"<Device {self.id} client={self.client_id}>"


class Licence(Base):
    __tablename__ = "licence"
    __table_args__ = (sa.Index("ix_licence_client_id_product", "client_id", "product", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    product: Mapped[str] = mapped_column(sa.String(PRODUCT_MAX), info=_intervention)
    licence_key_encrypted: Mapped[str | None] = mapped_column(
        encrypted_type(LICENCE_KEY_MAX), info=encrypted_info(LICENCE_KEY_MAX, _intervention)
    )
    seats: Mapped[int | None] = mapped_column(info=_intervention)
    expires_on: Mapped[date | None] = mapped_column(info=_intervention)
    device_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("device.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    client = relationship("Client")
    device = relationship("Device", back_populates="licences")

    def __repr__(self) -> str:
        return f"<Licence {self.id} client={self.client_id}>"
