"""Contracts and subscriptions of a client, their periods, and renewal reminders.

A contract runs by periods of ``term_months``; its current period is its latest
:class:`ContractPeriod`. It is billed ``price_cents`` (excluding VAT) per billing period. At the
end of a period it renews by itself (``renewal = tacit``: unless the client refused it before the
notice deadline) or only when asked (``on_request``). A renewal adds the next period and a draft
invoice of it. :class:`RenewalReminder` keeps each reminder mail sent, for contracts and for the
licences of the client space alike, so that the cron command never sends one twice.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_contract = personal("billing", "client_relationship")

KINDS = {
    "maintenance": _l("Maintenance"),
    "assistance": _l("Assistance"),
    "hosting": _l("Hébergement"),
    "licence": _l("Licence"),
    "other": _l("Autre"),
}

# Billing periods, in months.
BILLING_PERIODS = {
    1: _l("Mensuelle"),
    3: _l("Trimestrielle"),
    6: _l("Semestrielle"),
    12: _l("Annuelle"),
}

RENEWAL_TACIT = "tacit"
RENEWAL_ON_REQUEST = "on_request"
RENEWALS = {
    RENEWAL_TACIT: _l("Tacite reconduction"),
    RENEWAL_ON_REQUEST: _l("Sur demande"),
}

STATUS_ACTIVE = "active"
STATUS_ENDED = "ended"
STATUS_CANCELLED = "cancelled"
STATUSES = {
    STATUS_ACTIVE: _l("En cours"),
    STATUS_ENDED: _l("Terminé"),
    STATUS_CANCELLED: _l("Résilié"),
}

# What a reminder is about, and the kinds of reminder.
SUBJECT_CONTRACT = "contract"
SUBJECT_LICENCE = "licence"
REMINDER_DEADLINE = "deadline"  # the end or renewal date is near
REMINDER_CONSUMER_NOTICE = "l215-1"  # Code de la consommation L215-1, private clients

TITLE_MAX = 200
NOTES_MAX = 2000


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (sa.Index("ix_contract_status_ends_on", "status", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    kind: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX), info=_contract)
    notes: Mapped[str | None] = mapped_column(sa.Text, info=_contract)
    starts_on: Mapped[date] = mapped_column(info=_contract)
    # The end of the current period: the date the contract ends or renews.
    ends_on: Mapped[date] = mapped_column(info=_contract)
    term_months: Mapped[int] = mapped_column(default=12, info=not_personal())
    billing_months: Mapped[int] = mapped_column(default=12, info=not_personal())
    price_cents: Mapped[int] = mapped_column(sa.BigInteger, info=_contract)
    vat_rate_bp: Mapped[int] = mapped_column(default=2000, info=not_personal())
    renewal: Mapped[str] = mapped_column(sa.String(16), default=RENEWAL_TACIT, info=not_personal())
    # Tacit renewal: the client refuses it at the latest this many days before the end.
    notice_days: Mapped[int] = mapped_column(default=30, info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_ACTIVE, info=not_personal())
    # The client asked not to renew (through a ticket): when, and which ticket.
    non_renewal_requested_at: Mapped[datetime | None] = mapped_column(info=_contract)
    non_renewal_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="SET NULL"), info=not_personal()
    )
    ended_at: Mapped[datetime | None] = mapped_column(info=_contract)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    client = relationship("Client")
    periods = relationship(
        "ContractPeriod",
        back_populates="contract",
        order_by="ContractPeriod.starts_on.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def renewal_label(self) -> str:
        return str(RENEWALS.get(self.renewal, self.renewal))

    @property
    def billing_label(self) -> str:
        return str(BILLING_PERIODS.get(self.billing_months, self.billing_months))

    @property
    def is_tacit(self) -> bool:
        return self.renewal == RENEWAL_TACIT

    @property
    def is_active(self) -> bool:
        return self.status == STATUS_ACTIVE

    def __repr__(self) -> str:
        return f"<Contract {self.id} {self.kind} {self.status}>"


class ContractPeriod(Base):
    """One period of a contract, and the draft invoice made for it at its renewal."""

    __tablename__ = "contract_period"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "starts_on", name="uq_contract_period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    contract_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contract.id", ondelete="CASCADE"), info=not_personal()
    )
    starts_on: Mapped[date] = mapped_column(info=_contract)
    ends_on: Mapped[date] = mapped_column(info=_contract)
    invoice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    contract = relationship("Contract", back_populates="periods")


class RenewalReminder(Base):
    """A reminder mail sent about a deadline: one row per (subject, deadline, kind, step)."""

    __tablename__ = "renewal_reminder"
    __table_args__ = (
        sa.UniqueConstraint(
            "subject", "subject_id", "deadline", "kind", "step", name="uq_renewal_reminder"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    subject: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    subject_id: Mapped[int] = mapped_column(info=not_personal())
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    deadline: Mapped[date] = mapped_column(info=_contract)
    kind: Mapped[str] = mapped_column(sa.String(16), info=not_personal())
    step: Mapped[int] = mapped_column(default=0, info=not_personal())
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, info=_contract)
