"""The register of personal-data breaches (GDPR art. 33.5): every incident, notified or not.

A breach is notified to the CNIL within 72 hours of its detection unless it is unlikely to
result in a risk to people (art. 33.1), and the persons concerned are told without undue delay
when the risk is high (art. 34). The register keeps the facts, the effects, the measures and
those decisions with their reasons.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, utcnow
from services.i18n import lazy_gettext as _l

RISK_NONE = "none"
RISK = "risk"
RISK_HIGH = "high"
RISKS = {
    RISK_NONE: _l("Risque peu probable pour les personnes"),
    RISK: _l("Risque pour les personnes"),
    RISK_HIGH: _l("Risque élevé pour les personnes"),
}
NATURES = {
    "confidentiality": _l("Confidentialité (divulgation, accès non autorisé)"),
    "integrity": _l("Intégrité (modification non autorisée)"),
    "availability": _l("Disponibilité (perte, destruction)"),
}
TEXT_MAX = 2000


class Breach(Base):
    """One incident of the breach register. Its texts describe the incident, not a person."""

    __tablename__ = "breach"
    __table_args__ = (sa.Index("ix_breach_closed_at_detected_at", "closed_at", "detected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    detected_at: Mapped[datetime] = mapped_column(info=not_personal())
    occurred_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    natures: Mapped[str] = mapped_column(sa.String(64), info=not_personal())  # comma-separated
    description: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    data_categories: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    persons_count: Mapped[int] = mapped_column(default=0, info=not_personal())
    persons_description: Mapped[str | None] = mapped_column(sa.Text, info=not_personal())
    consequences: Mapped[str | None] = mapped_column(sa.Text, info=not_personal())
    measures: Mapped[str | None] = mapped_column(sa.Text, info=not_personal())
    risk: Mapped[str] = mapped_column(sa.String(8), default=RISK, info=not_personal())
    cnil_notified_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    persons_informed_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    reason_not_notified: Mapped[str | None] = mapped_column(sa.Text, info=not_personal())
    closed_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    @property
    def nature_list(self) -> list[str]:
        return [n for n in (self.natures or "").split(",") if n]

    @property
    def nature_labels(self) -> list[str]:
        return [str(NATURES.get(n, n)) for n in self.nature_list]

    @property
    def risk_label(self) -> str:
        return str(RISKS.get(self.risk, self.risk))

    def __repr__(self) -> str:
        return f"<Breach {self.id} {self.risk}>"
