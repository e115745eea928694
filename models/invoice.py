"""Invoices and credit notes (avoirs), their lines, payments, downloads and reminders.

Amounts are integer cents; quantities integer thousandths; VAT rates and discounts integer basis
points (2000 = 20 %). An invoice is a draft until it is issued: issuing draws its number from
:class:`InvoiceSequence`, freezes the seller's and buyer's details as they were, the lines and the
totals, and stores its PDF once. An issued invoice never changes; a correction is a credit note.

Invoices outlive the client file (ten years of keeping, Code de commerce L123-22): the buyer's
details are copied onto the invoice, and the link to the client is cut when the client is deleted.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base, not_personal, personal, utcnow
from services.i18n import lazy_gettext as _l

_billing = personal("billing", "invoice")

KIND_INVOICE = "invoice"
KIND_CREDIT_NOTE = "credit_note"
KINDS = {KIND_INVOICE: _l("Facture"), KIND_CREDIT_NOTE: _l("Avoir")}

STATUS_DRAFT = "draft"
STATUS_ISSUED = "issued"

# Operation category, a mandatory mention since 2024 (goods, services or both).
OPERATION_SERVICES = "services"
OPERATION_GOODS = "goods"
OPERATION_MIXED = "mixed"
OPERATION_CATEGORIES = {
    OPERATION_SERVICES: _l("Prestation de services"),
    OPERATION_GOODS: _l("Livraison de biens"),
    OPERATION_MIXED: _l("Livraison de biens et prestation de services"),
}

# The French VAT rates, in basis points: normal, intermediate, reduced, special, none.
VAT_RATES = (2000, 1000, 550, 210, 0)

PAYMENT_METHODS = {
    "transfer": _l("Virement"),
    "card": _l("Carte"),
    "cheque": _l("Chèque"),
    "cash": _l("Espèces"),
    "direct_debit": _l("Prélèvement"),
}
# Who recorded a payment: an admin by hand today; an online payment provider later.
PROVIDER_MANUAL = "manual"

DESCRIPTION_MAX = 500
NOTE_MAX = 2000
REFERENCE_MAX = 100
NUMBER_MAX = 20
BUYER_NAME_MAX = 200
BUYER_ADDRESS_MAX = 600


class InvoiceSequence(Base):
    """The last number drawn in one series (invoices, credit notes) for one year.

    The row is updated in the issuing transaction, which locks it until the commit: two invoices
    issued at once wait for each other, and a rolled-back issue gives its number back.
    """

    __tablename__ = "invoice_sequence"

    series: Mapped[str] = mapped_column(sa.String(8), primary_key=True, info=not_personal())
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=not_personal())
    last_number: Mapped[int] = mapped_column(default=0, info=not_personal())


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (
        sa.Index("ix_invoice_client_id_issued_on", "client_id", "status", "issued_on", "id"),
        sa.Index("ix_invoice_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    client_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="SET NULL"), info=not_personal()
    )
    kind: Mapped[str] = mapped_column(sa.String(16), default=KIND_INVOICE, info=not_personal())
    status: Mapped[str] = mapped_column(sa.String(16), default=STATUS_DRAFT, info=not_personal())
    number: Mapped[str | None] = mapped_column(
        sa.String(NUMBER_MAX), unique=True, info=not_personal()
    )
    # The invoice a credit note corrects.
    corrects_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    # The intervention the invoice was drafted from, if any.
    intervention_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("intervention.id", ondelete="SET NULL"), index=True, info=not_personal()
    )
    service_date: Mapped[date | None] = mapped_column(info=_billing)
    operation_category: Mapped[str] = mapped_column(
        sa.String(16), default=OPERATION_SERVICES, info=not_personal()
    )
    note: Mapped[str | None] = mapped_column(sa.Text, info=_billing)
    issued_on: Mapped[date | None] = mapped_column(info=_billing)
    due_on: Mapped[date | None] = mapped_column(info=_billing)
    issued_at: Mapped[datetime | None] = mapped_column(info=not_personal())

    # Frozen at issue: the buyer as they were, the seller's mentions, the totals.
    buyer_name: Mapped[str | None] = mapped_column(sa.String(BUYER_NAME_MAX), info=_billing)
    buyer_address: Mapped[str | None] = mapped_column(sa.String(BUYER_ADDRESS_MAX), info=_billing)
    buyer_siren: Mapped[str | None] = mapped_column(sa.String(14), info=_billing)
    buyer_vat_number: Mapped[str | None] = mapped_column(sa.String(20), info=_billing)
    buyer_is_professional: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), info=_billing
    )
    seller: Mapped[dict | None] = mapped_column(sa.JSON, info=not_personal())
    total_excl_tax_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0", info=_billing
    )
    total_tax_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0", info=_billing
    )
    total_incl_tax_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0", info=_billing
    )
    # Kept in step by the area's rules: what was paid, and what the credit notes took off.
    paid_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0", info=_billing
    )
    credited_cents: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default="0", info=_billing
    )
    pdf_stored_name: Mapped[str | None] = mapped_column(sa.String(100), info=not_personal())
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), info=not_personal())

    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, info=not_personal()
    )

    client = relationship("Client")
    lines = relationship(
        "InvoiceLine",
        back_populates="invoice",
        order_by="InvoiceLine.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    payments = relationship(
        "Payment",
        back_populates="invoice",
        order_by="Payment.paid_on, Payment.id",
        passive_deletes=True,
    )
    corrects = relationship("Invoice", remote_side=[id])

    @property
    def is_draft(self) -> bool:
        return self.status == STATUS_DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == KIND_CREDIT_NOTE

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def operation_label(self) -> str:
        return str(OPERATION_CATEGORIES.get(self.operation_category, self.operation_category))

    def __repr__(self) -> str:
        return f"<Invoice {self.id} {self.kind} {self.number or 'draft'}>"


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    position: Mapped[int] = mapped_column(default=0, info=not_personal())
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX), info=_billing)
    quantity_thousandths: Mapped[int] = mapped_column(sa.BigInteger, info=_billing)
    unit_price_cents: Mapped[int] = mapped_column(sa.BigInteger, info=_billing)
    vat_rate_bp: Mapped[int] = mapped_column(info=_billing)
    discount_bp: Mapped[int] = mapped_column(default=0, server_default="0", info=_billing)

    invoice = relationship("Invoice", back_populates="lines")


class Payment(Base):
    """A payment of an invoice, recorded by an admin (``provider`` leaves room for others)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="RESTRICT"), index=True, info=not_personal()
    )
    paid_on: Mapped[date] = mapped_column(info=_billing)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, info=_billing)
    method: Mapped[str] = mapped_column(sa.String(16), info=_billing)
    reference: Mapped[str | None] = mapped_column(sa.String(REFERENCE_MAX), info=_billing)
    provider: Mapped[str] = mapped_column(
        sa.String(32), default=PROVIDER_MANUAL, server_default=PROVIDER_MANUAL, info=not_personal()
    )
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal())

    invoice = relationship("Invoice", back_populates="payments")

    @property
    def method_label(self) -> str:
        return str(PAYMENT_METHODS.get(self.method, self.method))


class InvoiceDownload(Base):
    """A download of an invoice's PDF: who and when ("never downloaded by the client")."""

    __tablename__ = "invoice_download"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True, info=not_personal()
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info=not_personal()
    )
    by_client: Mapped[bool] = mapped_column(default=True, info=not_personal())
    downloaded_at: Mapped[datetime] = mapped_column(default=utcnow, info=_billing)


class InvoiceReminder(Base):
    """A reminder mail sent for an overdue invoice, one per step (days overdue)."""

    __tablename__ = "invoice_reminder"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "step", name="uq_invoice_reminder_step"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), info=not_personal()
    )
    step: Mapped[int] = mapped_column(info=not_personal())
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, info=_billing)
