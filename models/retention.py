"""What the retention purge keeps track of: legal holds placed by admins, and the notices sent to
clients before their data are erased.

A legal hold keeps a client's data past the end of their retention period (a dispute, a claim,
a request of an authority); it is lifted, not deleted, so that its history stays. A notice is
sent once per retention end: if a new intervention or contract moves the end later, a new notice
goes before the new end.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow

_hold = personal("contact", "client_relationship")

REASON_MAX = 500


class LegalHold(Base):
    """A hold on a client's data: the purge leaves them alone while it is not lifted."""

    __tablename__ = "legal_hold"
    __table_args__ = (sa.Index("ix_legal_hold_client_id_lifted_at", "client_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), info=_hold)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    placed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    lifted_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    lifted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )

    placed_by = relationship("User", foreign_keys=[placed_by_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    def __repr__(self) -> str:
        return f"<LegalHold {self.id} client={self.client_id}>"


class RetentionNotice(Base):
    """The mail telling a client that their data will be erased on ``ends_on``."""

    __tablename__ = "retention_notice"
    __table_args__ = (sa.UniqueConstraint("client_id", "ends_on", name="uq_retention_notice"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    ends_on: Mapped[date] = mapped_column(info=not_personal())
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    def __repr__(self) -> str:
        return f"<RetentionNotice client={self.client_id} {self.ends_on}>"
