"""Newsletters: what admins write, and to whom each one went.

A newsletter is written as a draft, tested on its author, then sent to the clients who consented
at that moment (one delivery row each). Deliveries are mailed in batches through the outbox; a
withdrawal stops the client's deliveries at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

STATUS_DRAFT = "draft"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUSES = {
    STATUS_DRAFT: _l("brouillon"),
    STATUS_SENDING: _l("en cours d'envoi"),
    STATUS_SENT: _l("envoyée"),
}
DELIVERY_PENDING = "pending"  # to mail in a coming batch
DELIVERY_QUEUED = "queued"  # in the outbox (or sent by it)
DELIVERY_WITHDRAWN = "withdrawn"  # the client withdrew their consent before it went
DELIVERY_SKIPPED = "skipped"  # the client's processing is restricted, or their account is gone
DELIVERY_STATUSES = {
    DELIVERY_PENDING: _l("à envoyer"),
    DELIVERY_QUEUED: _l("confiées à la file d'envoi"),
    DELIVERY_WITHDRAWN: _l("désinscrits avant l'envoi"),
    DELIVERY_SKIPPED: _l("écartés (traitement limité)"),
}
SUBJECT_MAX = 200
BODY_MAX = 50_000

_delivery = personal("communication", "client_relationship")


class Newsletter(Base):
    """One newsletter; its texts are the company's, not a person's."""

    __tablename__ = "newsletter"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX), info=not_personal())
    body_html: Mapped[str] = mapped_column(sa.Text, info=not_personal())  # sanitised on save
    body_text: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_DRAFT, info=not_personal())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    edited_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    tested_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    sending_started_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    sent_at: Mapped[datetime | None] = mapped_column(info=not_personal())
    recipients_count: Mapped[int] = mapped_column(default=0, info=not_personal())

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def tested_since_edit(self) -> bool:
        """An edit clears ``tested_at``: dates alone could not order an edit and a test made
        in the same second (MariaDB keeps whole seconds)."""
        return self.tested_at is not None


class NewsletterDelivery(Base):
    """A newsletter to one client: its status, and the outbox mail that carries it."""

    __tablename__ = "newsletter_delivery"
    __table_args__ = (
        sa.UniqueConstraint("newsletter_id", "client_id", name="uq_newsletter_delivery_client"),
        sa.Index("ix_newsletter_delivery_newsletter_id_status", "newsletter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    newsletter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter.id", ondelete="CASCADE"), info=not_personal()
    )
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=DELIVERY_PENDING, info=_delivery)
    mail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_mail.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, info=_delivery)

    newsletter = relationship("Newsletter")
    client = relationship("Client")
