"""The activity log: an append-only record of who did what, when and from where."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, personal, utcnow

_security = personal("security", "activity_log")


class ActivityLog(Base):
    __tablename__ = "activity_log"
    __table_args__ = (
        sa.Index("ix_activity_log_actor_id_id", "actor_id", "id"),
        sa.Index("ix_activity_log_action_id", "action", "id"),
        sa.Index("ix_activity_log_target", "target_type", "target_id", "id"),
        sa.Index("ix_activity_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    actor_id: Mapped[int | None] = mapped_column(info=_security)  # no FK: the log outlives accounts
    actor_role: Mapped[str | None] = mapped_column(sa.String(16), info=not_personal())
    action: Mapped[str] = mapped_column(sa.String(64), info=not_personal())
    target_type: Mapped[str | None] = mapped_column(sa.String(32), info=not_personal())
    target_id: Mapped[int | None] = mapped_column(info=_security)
    ip: Mapped[str | None] = mapped_column(sa.String(45), info=_security)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255), info=_security)
    outcome: Mapped[str] = mapped_column(sa.String(16), default="success", info=not_personal())
    detail: Mapped[str | None] = mapped_column(sa.String(500), info=_security)
    # Hash chain for tamper evidence, filled when the entry is sealed.
    seal: Mapped[str | None] = mapped_column(sa.String(64), info=not_personal())

    def __repr__(self) -> str:
        return f"<ActivityLog {self.id} {self.action} {self.outcome}>"
