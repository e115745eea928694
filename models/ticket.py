"""Support tickets: a client's request, its conversation, its attachments, and admins' saved replies.

A ticket belongs to one client. Its conversation is a list of messages: messages from the client
or from staff, internal notes that only staff see, and events (status changes, assignment) written
by the software. The ``last_*_at`` and ``*_seen_at`` columns let both lists show what is unread
without one query per row.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, PreciseDateTime, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_exchange = personal("communication", "client_relationship")

# Stored code -> label of the "Sujet" list of the ticket form, in the order it is shown.
SUBJECTS = {
    "hardware": _l("Panne matériel"),
    "software": _l("Problème logiciel"),
    "network": _l("Internet / réseau"),
    "email": _l("Messagerie"),
    "backup": _l("Sauvegarde"),
    "billing": _l("Facturation"),
    "contract": _l("Contrat / abonnement"),
    "on_site": _l("Demande d'intervention sur site"),
    "erasure": _l("Suppression de mon espace client"),
    "personal_data": _l("Autre demande sur mes données personnelles"),
    "other": _l("Autre"),
}
SUBJECT_CONTRACT = "contract"
SUBJECT_ERASURE = "erasure"
SUBJECT_PERSONAL_DATA = "personal_data"
DATA_RIGHTS_SUBJECTS = (SUBJECT_ERASURE, SUBJECT_PERSONAL_DATA)

PRIORITIES = {
    "low": _l("Basse"),
    "normal": _l("Normale"),
    "high": _l("Haute"),
    "urgent": _l("Urgente"),
}

STATUS_NEW = "new"
STATUS_IN_PROGRESS = "in_progress"
STATUS_WAITING_CLIENT = "waiting_client"
STATUS_RESOLVED = "resolved"
STATUS_CLOSED = "closed"
STATUSES = {
    STATUS_NEW: _l("Nouveau"),
    STATUS_IN_PROGRESS: _l("En cours"),
    STATUS_WAITING_CLIENT: _l("En attente de votre réponse"),
    STATUS_RESOLVED: _l("Résolu"),
    STATUS_CLOSED: _l("Fermé"),
}
OPEN_STATUSES = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_CLIENT)

KIND_MESSAGE = "message"
KIND_NOTE = "note"  # internal: staff only
KIND_EVENT = "event"  # written by the software: status change, assignment, link

TITLE_MAX = 120
BODY_MAX = 20_000
SAVED_REPLY_TITLE_MAX = 100


def new_idempotency_key() -> str:
    """A random key: a form carries it so that sending twice creates one row."""
    return secrets.token_urlsafe(24)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.Index("ix_ticket_client_id_last_message_at", "client_id", "last_message_at", "id"),
        # A client's open tickets (the list's default) and the dashboard's counts, read from the
        # index alone: their cost follows the open tickets, not the years of closed ones.
        sa.Index(
            "ix_ticket_client_id_status_last_message_at",
            "client_id",
            "status",
            "last_message_at",
            "id",
            "last_staff_message_at",
            "client_seen_at",
        ),
        sa.Index("ix_ticket_status_last_message_at", "status", "last_message_at", "id"),
        sa.Index("ix_ticket_assignee_id_last_message_at", "assignee_id", "last_message_at", "id"),
        sa.Index("ix_ticket_last_message_at", "last_message_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    subject: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX), info=_exchange)
    priority: Mapped[str] = mapped_column(sa.String(8), default="normal", info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_NEW, info=not_personal())
    device_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("device.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    intervention_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("intervention.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    # The form's random key: a double submission finds the ticket already made.
    idempotency_key: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_idempotency_key, info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )
    last_message_at: Mapped[datetime] = mapped_column(
        PreciseDateTime, default=utcnow, info=not_personal()
    )
    last_client_message_at: Mapped[datetime | None] = mapped_column(
        PreciseDateTime, info=not_personal()
    )
    last_staff_message_at: Mapped[datetime | None] = mapped_column(
        PreciseDateTime, info=not_personal()
    )
    client_seen_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, info=not_personal())
    staff_seen_at: Mapped[datetime | None] = mapped_column(PreciseDateTime, info=not_personal())
    closed_at: Mapped[datetime | None] = mapped_column(info=not_personal())

    client = relationship("Client")
    device = relationship("Device")
    assignee = relationship("User", foreign_keys=[assignee_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    intervention = relationship("Intervention")
    messages = relationship(
        "TicketMessage",
        back_populates="ticket",
        order_by="TicketMessage.id",
        passive_deletes=True,
    )
    attachments = relationship(
        "TicketAttachment",
        back_populates="ticket",
        order_by="TicketAttachment.id",
        passive_deletes=True,
    )

    @property
    def subject_label(self) -> str:
        return str(SUBJECTS.get(self.subject, SUBJECTS["other"]))

    @property
    def priority_label(self) -> str:
        return str(PRIORITIES.get(self.priority, PRIORITIES["normal"]))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def unread_by_client(self) -> bool:
        """Staff wrote since the client last opened the ticket."""
        last = self.last_staff_message_at
        return last is not None and (self.client_seen_at is None or last > self.client_seen_at)

    @property
    def unread_by_staff(self) -> bool:
        """The client wrote since an admin last opened the ticket."""
        last = self.last_client_message_at
        return last is not None and (self.staff_seen_at is None or last > self.staff_seen_at)

    def __repr__(self) -> str:
        return f"<Ticket {self.id} client={self.client_id} {self.status}>"


class TicketMessage(Base):
    __tablename__ = "ticket_message"
    __table_args__ = (sa.Index("ix_ticket_message_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), info=not_personal()
    )
    kind: Mapped[str] = mapped_column(sa.String(8), default=KIND_MESSAGE, info=not_personal())
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    from_staff: Mapped[bool] = mapped_column(default=False, info=not_personal())
    # HTML cleaned by services.sanitize.sanitize_html before it is stored.
    body: Mapped[str] = mapped_column(sa.Text, info=_exchange)
    idempotency_key: Mapped[str | None] = mapped_column(
        sa.String(64), unique=True, info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("User")
    attachments = relationship("TicketAttachment", back_populates="message")

    @property
    def is_note(self) -> bool:
        return self.kind == KIND_NOTE

    @property
    def is_event(self) -> bool:
        return self.kind == KIND_EVENT

    def __repr__(self) -> str:
        return f"<TicketMessage {self.id} ticket={self.ticket_id} {self.kind}>"


class TicketAttachment(Base):
    """A file sent with a ticket message, kept in the file store under a random name."""

    __tablename__ = "ticket_attachment"
    __table_args__ = (sa.Index("ix_ticket_attachment_client_id_id", "client_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_message.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    # Kept beside ticket_id so that the per-client quota is one indexed sum.
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), info=not_personal()
    )
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True, info=not_personal())
    filename: Mapped[str] = mapped_column(sa.String(255), info=_exchange)
    content_type: Mapped[str] = mapped_column(sa.String(100), info=not_personal())
    size: Mapped[int] = mapped_column(sa.BigInteger, info=not_personal())
    sha256: Mapped[str] = mapped_column(sa.String(64), info=not_personal())
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    ticket = relationship("Ticket", back_populates="attachments")
    message = relationship("TicketMessage", back_populates="attachments")

    def __repr__(self) -> str:
        return f"<TicketAttachment {self.id} ticket={self.ticket_id}>"


class SavedReply(Base):
    """A reply an admin keeps to insert into a ticket's answer (no personal data)."""

    __tablename__ = "saved_reply"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    title: Mapped[str] = mapped_column(sa.String(SAVED_REPLY_TITLE_MAX), info=not_personal())
    body: Mapped[str] = mapped_column(sa.Text, info=not_personal())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    def __repr__(self) -> str:
        return f"<SavedReply {self.id}>"
