"""Failed logins, counted per account and per source network (see services/login_guard.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, personal, utcnow

_security = personal("security", "activity_log")


class LoginFailure(Base):
    """Wrong passwords given for one account from one source (an IPv4 address, an IPv6 /64).

    The account is a keyed hash of the address typed, so that unknown addresses are counted
    (and throttled) like real ones. A row is forgotten a day after its last failure.
    """

    __tablename__ = "login_failure"
    __table_args__ = (sa.UniqueConstraint("account_key", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    account_key: Mapped[str] = mapped_column(sa.String(64), info=_security)
    source: Mapped[str] = mapped_column(sa.String(64), info=_security)
    # Failures since the last success or lock-out from this source: drives throttle and lock.
    streak: Mapped[int] = mapped_column(default=0, info=not_personal())
    # Every failure of the row's life: what the account-wide attack measure adds up.
    failures: Mapped[int] = mapped_column(default=0, info=not_personal())
    last_failure_at: Mapped[datetime] = mapped_column(
        default=utcnow, index=True, info=not_personal()
    )
    locked_until: Mapped[datetime | None] = mapped_column(info=not_personal())
    lockout_count: Mapped[int] = mapped_column(default=0, info=not_personal())

    def __repr__(self) -> str:
        return f"<LoginFailure {self.id} streak={self.streak}>"
