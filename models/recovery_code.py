"""Recovery codes of the second factor: ten single-use codes, stored only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, personal, utcnow


class RecoveryCode(Base):
    __tablename__ = "recovery_code"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_code_user_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    # No relationship on User: the database deletes the codes with the account. The unique
    # (user_id, code_hash) index serves the look-ups by user.
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), info=not_personal()
    )
    # HMAC-SHA256 of the normalised code under a key from the config (see services.totp).
    code_hash: Mapped[str] = mapped_column(
        sa.String(64), info=personal("security", "client_relationship")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    used_at: Mapped[datetime | None] = mapped_column(
        info=personal("security", "client_relationship")
    )

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"
