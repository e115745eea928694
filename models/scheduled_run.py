"""The last successful run of each scheduled command, for `flask --app app check`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal


class ScheduledRun(Base):
    __tablename__ = "scheduled_run"

    command: Mapped[str] = mapped_column(sa.String(64), primary_key=True, info=not_personal())
    finished_at: Mapped[datetime] = mapped_column(info=not_personal())
