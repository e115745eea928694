"""Backups: one row per copy of a backup to a target, for the admin home and `check`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, utcnow


class BackupRun(Base):
    """A backup archive copied (or not) to one target."""

    __tablename__ = "backup_run"
    __table_args__ = (
        sa.Index("ix_backup_run_target_ok_finished_at", "target", "ok", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    target: Mapped[str] = mapped_column(sa.String(500), info=not_personal())
    name: Mapped[str] = mapped_column(sa.String(100), info=not_personal())
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0, info=not_personal())
    ok: Mapped[bool] = mapped_column(default=False, info=not_personal())
    error: Mapped[str | None] = mapped_column(sa.String(500), info=not_personal())
    finished_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
