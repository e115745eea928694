"""Requests of clients exercising their data-protection rights (GDPR arts. 15 to 21).

A request is opened by a ticket whose "Sujet" is a personal-data subject, or from the client's
privacy page. The controller answers within one month of receipt (GDPR art. 12.3): ``deadline``
is computed once, when the request is received. The row outlives the client (``client_id`` set to
NULL on erasure) as the record that the request was handled.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, utcnow
from services.i18n import lazy_gettext as _l

KIND_ERASURE = "erasure"
KINDS = {
    KIND_ERASURE: _l("Effacement (suppression de l'espace client)"),
    "access": _l("Accès à mes données"),
    "rectification": _l("Rectification"),
    "portability": _l("Portabilité"),
    "objection": _l("Opposition"),
    "restriction": _l("Limitation du traitement"),
}
# The kinds a client picks under "Autre demande sur mes données personnelles".
OTHER_KINDS = ("access", "rectification", "portability", "objection", "restriction")

STATUS_RECEIVED = "received"
STATUS_IN_PROGRESS = "in_progress"
STATUS_DONE = "done"
STATUS_REFUSED = "refused"
STATUS_CANCELLED = "cancelled"
STATUSES = {
    STATUS_RECEIVED: _l("Reçue"),
    STATUS_IN_PROGRESS: _l("En cours"),
    STATUS_DONE: _l("Traitée"),
    STATUS_REFUSED: _l("Refusée"),
    STATUS_CANCELLED: _l("Annulée"),
}
OPEN_STATUSES = (STATUS_RECEIVED, STATUS_IN_PROGRESS)


class DataRightsRequest(Base):
    __tablename__ = "data_rights_request"
    __table_args__ = (
        sa.Index("ix_data_rights_request_status_deadline", "status", "deadline", "id"),
        sa.Index("ix_data_rights_request_client_id_status", "client_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="SET NULL"), info=not_personal()
    )
    kind: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_RECEIVED, info=not_personal())
    received_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    deadline: Mapped[date] = mapped_column(info=not_personal())
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    closed_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    # An erasure is carried out once the client confirmed it by the link of a mail.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    confirmed_at: Mapped[datetime | None] = mapped_column(info=not_personal())

    client = relationship("Client")
    ticket = relationship("Ticket")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<DataRightsRequest {self.id} {self.kind} {self.status}>"


class ErasureLedgerEntry(Base):
    """The trace of one erasure, with nothing personal in it: a keyed hash of the erased client's
    id and the day. A backup restored later replays the ledger to erase them again."""

    __tablename__ = "erasure_ledger"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_key: Mapped[str] = mapped_column(sa.String(64), unique=True, info=not_personal())
    erased_on: Mapped[date] = mapped_column(info=not_personal())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    def __repr__(self) -> str:
        return f"<ErasureLedgerEntry {self.id} {self.erased_on}>"
