"""Interventions of the company for a client, their devices and their history of statuses.

Dates are stored naive in UTC; forms take and show them in Paris time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_intervention = personal("intervention", "client_relationship")

KINDS = {
    "on_site": _l("Sur site"),
    "remote": _l("À distance"),
    "workshop": _l("En atelier"),
}

STATUS_PLANNED = "planned"
STATUS_IN_PROGRESS = "in_progress"
STATUS_DONE = "done"
STATUS_CANCELLED = "cancelled"
STATUSES = {
    STATUS_PLANNED: _l("Planifiée"),
    STATUS_IN_PROGRESS: _l("En cours"),
    STATUS_DONE: _l("Terminée"),
    STATUS_CANCELLED: _l("Annulée"),
}

DESCRIPTION_MAX = 5000
REPORT_MAX = 20000

intervention_device = sa.Table(
    "intervention_device",
    Base.metadata,
    sa.Column(
        "intervention_id",
        sa.ForeignKey("intervention.id", ondelete="CASCADE"),
        primary_key=True,
        info=not_personal(),
    ),
    sa.Column(
        "device_id",
        sa.ForeignKey("device.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=not_personal(),
    ),
)


class Intervention(Base):
    __tablename__ = "intervention"
    __table_args__ = (
        sa.Index("ix_intervention_client_id_starts_at", "client_id", "starts_at", "id"),
        sa.Index("ix_intervention_starts_at", "starts_at", "id"),
        sa.Index("ix_intervention_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    starts_at: Mapped[datetime] = mapped_column(info=_intervention)
    kind: Mapped[str] = mapped_column(sa.String(16), default="on_site", info=not_personal())
    description: Mapped[str] = mapped_column(sa.Text, info=_intervention)
    technician_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    minutes_spent: Mapped[int | None] = mapped_column(info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_PLANNED, info=not_personal())
    ended_at: Mapped[datetime | None] = mapped_column(info=_intervention)
    # Sanitised HTML (services.sanitize), the part the client reads.
    report: Mapped[str | None] = mapped_column(sa.Text, info=_intervention)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    client = relationship("Client")
    technician = relationship("User")
    devices = relationship(
        "Device", secondary=intervention_device, order_by="Device.name", passive_deletes=True
    )
    events = relationship(
        "InterventionEvent",
        back_populates="intervention",
        order_by="InterventionEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    def __repr__(self) -> str:
        return f"<Intervention {self.id} client={self.client_id} {self.status}>"


class InterventionEvent(Base):
    """A change of status of an intervention, shown to the client as its history."""

    __tablename__ = "intervention_event"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    intervention_id: Mapped[int] = mapped_column(
        sa.ForeignKey("intervention.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(16), info=not_personal())
    to_status: Mapped[str] = mapped_column(sa.String(16), info=not_personal())

    intervention = relationship("Intervention", back_populates="events")

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.to_status, self.to_status))
