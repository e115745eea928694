"""Spent CAPTCHA challenges: a proof of work is accepted once, whatever worker receives it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, utcnow


class SpentCaptchaChallenge(Base):
    """A solved ALTCHA challenge already used; kept until the challenge itself expires."""

    __tablename__ = "spent_captcha_challenge"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    # The HMAC signature of the challenge (hex): unique per challenge, says nothing of anyone.
    signature: Mapped[str] = mapped_column(sa.String(128), unique=True, info=not_personal())
    expires_at: Mapped[datetime] = mapped_column(index=True, info=not_personal())
    spent_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    def __repr__(self) -> str:
        return f"<SpentCaptchaChallenge {self.id}>"
