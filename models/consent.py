"""Proof of consent: each time a client gives, confirms or withdraws a consent, what they saw.

The client's current choice is on the client (``newsletter_consent``); these rows are its
history, shown to the client on their privacy page and kept as proof (the exact wording, the
date, where it was given).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models import Base, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_proof = personal("communication", "consent_proof")

KIND_NEWSLETTER = "newsletter"
KINDS = {KIND_NEWSLETTER: _l("Lettre d'information")}
GIVEN = "given"
WITHDRAWN = "withdrawn"
ACTIONS = {GIVEN: _l("Accordé"), WITHDRAWN: _l("Retiré")}
SOURCES = {
    "registration": _l("à la création du compte"),
    "account": _l("depuis votre espace"),
    "mail_link": _l("par le lien d'un e-mail"),
}


class ConsentRecord(Base):
    __tablename__ = "consent_record"
    __table_args__ = (sa.Index("ix_consent_record_client_id_id", "client_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    kind: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    action: Mapped[str] = mapped_column(sa.String(16), info=_proof)
    source: Mapped[str] = mapped_column(sa.String(16), info=_proof)
    wording: Mapped[str | None] = mapped_column(sa.String(500), info=_proof)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, info=_proof)

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))

    @property
    def source_label(self) -> str:
        return str(SOURCES.get(self.source, self.source))

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.client_id} {self.kind} {self.action}>"
