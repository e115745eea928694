"""The processing register (GDPR art. 30): each processing of personal data and its purposes.

Only what an admin writes is stored here: purposes and their legal bases, the people concerned,
recipients, transfers and security measures. The data categories come from the columns the
model declares personal, the retention periods from the settings (services.processing_register).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, utcnow
from services.i18n import lazy_gettext as _l

# GDPR art. 6.1: the legal basis of each purpose.
LEGAL_BASES = {
    "contract": _l("Exécution du contrat (RGPD, article 6.1.b)"),
    "legal_obligation": _l("Obligation légale (RGPD, article 6.1.c)"),
    "consent": _l("Consentement (RGPD, article 6.1.a)"),
    "legitimate_interest": _l("Intérêt légitime (RGPD, article 6.1.f)"),
}
NAME_MAX = 200
PURPOSE_MAX = 500
TEXT_MAX = 4000


class Processing(Base):
    """One processing of the register. Its texts describe the processing, not a person."""

    __tablename__ = "processing"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True, info=not_personal())
    persons: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    recipients: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    transfers: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    security: Mapped[str] = mapped_column(sa.Text, info=not_personal())  # one measure a line
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    purposes: Mapped[list[ProcessingPurpose]] = relationship(
        back_populates="processing",
        order_by="ProcessingPurpose.position, ProcessingPurpose.id",
        cascade="all, delete-orphan",
    )

    @property
    def security_lines(self) -> list[str]:
        return [line.strip() for line in self.security.splitlines() if line.strip()]


class ProcessingPurpose(Base):
    """Why a processing is done, and on which legal basis."""

    __tablename__ = "processing_purpose"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    processing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("processing.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    position: Mapped[int] = mapped_column(default=0, info=not_personal())
    purpose: Mapped[str] = mapped_column(sa.String(PURPOSE_MAX), info=not_personal())
    legal_basis: Mapped[str] = mapped_column(sa.String(24), info=not_personal())

    processing: Mapped[Processing] = relationship(back_populates="purposes")
