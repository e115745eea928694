"""The activity log: an append-only record of who did what, when and from where."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, personal, utcnow

_security = personal("security", "activity_log")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class ActivityLog(Base):
    __tablename__ = "activity_log"
    __table_args__ = (
        sa.Index("ix_activity_log_actor_id_id", "actor_id", "id"),
        sa.Index("ix_activity_log_action_id", "action", "id"),
        sa.Index("ix_activity_log_target", "target_type", "target_id", "id"),
        sa.Index("ix_activity_log_created_at", "created_at"),
        # Unique: two writers can never give the same rank, even if the head lock failed.
        sa.Index("ix_activity_log_seal_seq", "seal_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, info=not_personal())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    actor_id: Mapped[int | None] = mapped_column(info=_security)  # no FK: the log outlives accounts
    actor_role: Mapped[str | None] = mapped_column(sa.String(16), info=not_personal())
    action: Mapped[str] = mapped_column(sa.String(64), info=not_personal())
    target_type: Mapped[str | None] = mapped_column(sa.String(32), info=not_personal())
    target_id: Mapped[int | None] = mapped_column(info=_security)
    ip: Mapped[str | None] = mapped_column(sa.String(45), info=_security)
    # A keyed digest of the full address, sealed in its stead, so that the address can later be
    # cut to its network part (ACTIVITY_LOG_IP_TRUNCATE_DAYS) without breaking the seal chain.
    ip_mac: Mapped[str | None] = mapped_column(sa.String(32), info=_security)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255), info=_security)
    outcome: Mapped[str] = mapped_column(sa.String(16), default="success", info=not_personal())
    detail: Mapped[str | None] = mapped_column(sa.String(500), info=_security)
    # Hash chain for tamper evidence, filled in the transaction that writes the entry (see
    # services.activity_seal): ``seal_seq`` is the entry's rank in the chain, in commit order,
    # which differs from id order when two transactions commit the other way round.
    seal: Mapped[str | None] = mapped_column(sa.String(64), info=not_personal())
    seal_seq: Mapped[int | None] = mapped_column(_BIG_ID, info=not_personal())

    def __repr__(self) -> str:
        return f"<ActivityLog {self.id} {self.action} {self.outcome}>"


class ActivitySealHead(Base):
    """The end of the seal chain, one row: writers lock it to append to the chain in turn."""

    __tablename__ = "activity_seal_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=not_personal())
    seq: Mapped[int] = mapped_column(_BIG_ID, default=0, info=not_personal())
    entry_id: Mapped[int | None] = mapped_column(_BIG_ID, info=not_personal())
    seal: Mapped[str] = mapped_column(sa.String(64), default="", info=not_personal())
