"""Rules of invoices: amounts, VAT per rate, numbering, freezing at issue, status and balance.

Amounts are integer cents, quantities thousandths, rates and discounts basis points. A line's
amount excluding VAT is rounded to the cent (half up); VAT is computed once per rate on the sum of
the lines at that rate, then rounded, as French practice and EN 16931 do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.client import CATEGORY_INDIVIDUAL, CATEGORY_PROFESSIONAL, Client
from models.invoice import (
    KIND_CREDIT_NOTE,
    KIND_INVOICE,
    STATUS_DRAFT,
    STATUS_ISSUED,
    VAT_RATES,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
)
from services.company_documents import buyer_address, seller_details
from services.i18n import lazy_gettext as _l

RECOVERY_FEE_EUROS = 40  # Code de commerce L441-10 and D441-5: fixed, for professionals
VAT_EXEMPT_MENTION = "TVA non applicable, art. 293 B du CGI"
VAT_ON_DEBITS_MENTION = "Option pour le paiement de la taxe d'après les débits"
SERIES = {KIND_INVOICE: "F", KIND_CREDIT_NOTE: "AV"}
NUMBER_PREFIX = {KIND_INVOICE: "", KIND_CREDIT_NOTE: "AV-"}

# Payment status of an issued document, as the client reads it.
DRAFT = "draft"
DUE = "due"
PAID = "paid"
OVERDUE = "overdue"
CREDIT_NOTE = "credit_note"
STATUS_LABELS = {
    DRAFT: _l("Brouillon"),
    DUE: _l("À payer"),
    PAID: _l("Payée"),
    OVERDUE: _l("En retard"),
    CREDIT_NOTE: _l("Avoir émis"),
}

# Settings a seller must have before any invoice is issued.
REQUIRED_SELLER_SETTINGS = ("SELLER_NAME", "SELLER_LEGAL_FORM", "SELLER_SIREN", "SELLER_ADDRESS")

ALREADY_ISSUED = _l("Cette facture est émise : elle ne se modifie plus. Établissez un avoir.")
NO_LINES = _l("Ajoutez au moins une ligne avant d'émettre.")
NOT_ISSUED = _l("Seul un document émis peut être payé ou corrigé.")
NOTHING_DUE = _l("Cette facture est déjà réglée.")
AMOUNT_TOO_HIGH = _l("Le montant dépasse le reste à payer (%(balance)s).")
CREDIT_TOO_HIGH = _l("Le total des avoirs dépasserait le montant de la facture (%(balance)s).")
NO_CLIENT = _l("Cette facture n'est plus rattachée à un client.")


# ---------------------------------------------------------------- amounts


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_net_cents(quantity_thousandths: int, unit_price_cents: int, discount_bp: int = 0) -> int:
    """A line's amount excluding VAT, discount taken off, rounded to the cent (half up)."""
    exact = (
        Decimal(quantity_thousandths)
        * Decimal(unit_price_cents)
        * Decimal(10_000 - discount_bp)
        / Decimal(1000 * 10_000)
    )
    return round_half_up(exact)


def net_of(line: InvoiceLine) -> int:
    """The amount excluding VAT of an invoice line."""
    return line_net_cents(line.quantity_thousandths, line.unit_price_cents, line.discount_bp or 0)


@dataclass(frozen=True)
class VatGroup:
    rate_bp: int
    base_cents: int
    vat_cents: int


@dataclass(frozen=True)
class Totals:
    groups: tuple[VatGroup, ...]
    excl_tax_cents: int
    tax_cents: int
    incl_tax_cents: int


def vat_of(base_cents: int, rate_bp: int) -> int:
    """The VAT of a base at a rate, rounded to the cent (half up, away from zero)."""
    exact = Decimal(base_cents) * Decimal(rate_bp) / Decimal(10_000)
    return round_half_up(exact)


def totals(lines: Iterable[InvoiceLine]) -> Totals:
    """Totals of ``lines``: one VAT group per rate (highest first), VAT rounded per group."""
    bases: dict[int, int] = {}
    for line in lines:
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + net_of(line)
    groups = tuple(
        VatGroup(rate, base, vat_of(base, rate))
        for rate, base in sorted(bases.items(), reverse=True)
    )
    excl = sum(g.base_cents for g in groups)
    tax = sum(g.vat_cents for g in groups)
    return Totals(groups, excl, tax, excl + tax)


def format_cents(cents: int | None) -> str:
    """An amount as French invoices write it: ``1 234,50 €`` (narrow no-break spaces)."""
    cents = cents or 0
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def format_rate(basis_points: int) -> str:
    """A rate as written: ``20 %``, ``5,5 %``, ``2,1 %``."""
    return f"{format_quantity(basis_points * 10)}\u00a0%"


def format_quantity(thousandths: int) -> str:
    """A quantity as written: ``2``, ``1,5``, ``0,25``."""
    text = f"{Decimal(thousandths) / 1000:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# ---------------------------------------------------------------- status and balance


def balance_cents(invoice: Invoice) -> int:
    """What remains to pay on an issued invoice: total less payments and credit notes."""
    if invoice.kind != KIND_INVOICE:
        return 0
    return invoice.total_incl_tax_cents - invoice.paid_cents - invoice.credited_cents


def payment_status(invoice: Invoice, today: date) -> str:
    """``draft``, ``credit_note``, ``paid``, ``overdue`` (past its due date) or ``due``."""
    if invoice.status == STATUS_DRAFT:
        return DRAFT
    if invoice.kind == KIND_CREDIT_NOTE:
        return CREDIT_NOTE
    if balance_cents(invoice) <= 0:
        return PAID
    if invoice.due_on is not None and today > invoice.due_on:
        return OVERDUE
    return DUE


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def days_overdue(invoice: Invoice, today: date) -> int:
    """Days since the due date of an unpaid invoice (0 when not overdue)."""
    if payment_status(invoice, today) != OVERDUE:
        return 0
    return (today - invoice.due_on).days


def reminder_step_due(overdue_days: int, steps: Iterable[int], sent: Iterable[int]) -> int | None:
    """The reminder step to send now, or None.

    The step is the latest one reached (``overdue_days >= step``); it is due when no reminder
    of that step or a later one was sent. Steps missed while the command did not run are not
    sent late: the client gets one mail, the latest.
    """
    reached = [step for step in steps if overdue_days >= step]
    if not reached:
        return None
    step = max(reached)
    if any(done >= step for done in sent):
        return None
    return step


def overdue_invoices_query(today: date) -> sa.Select:
    """Issued invoices, unpaid, whose due date has passed."""
    return (
        sa.select(Invoice)
        .where(
            Invoice.status == STATUS_ISSUED,
            Invoice.kind == KIND_INVOICE,
            Invoice.due_on < today,
            Invoice.total_incl_tax_cents > Invoice.paid_cents + Invoice.credited_cents,
        )
        .order_by(Invoice.due_on, Invoice.id)
    )


def sums(session: Session, condition) -> dict:
    """Totals of the invoices matching ``condition`` (None: all), in one query.

    ``invoiced``: what the issued invoices amount to; ``credited``: the issued credit notes;
    ``outstanding``: what remains to cash on the issued invoices.
    """
    issued_invoice = sa.and_(Invoice.status == STATUS_ISSUED, Invoice.kind == KIND_INVOICE)
    issued_note = sa.and_(Invoice.status == STATUS_ISSUED, Invoice.kind == KIND_CREDIT_NOTE)
    balance = Invoice.total_incl_tax_cents - Invoice.paid_cents - Invoice.credited_cents

    def total(when, value):
        return sa.func.coalesce(sa.func.sum(sa.case((when, value), else_=0)), 0)

    query = sa.select(
        total(issued_invoice, Invoice.total_incl_tax_cents),
        total(issued_note, Invoice.total_incl_tax_cents),
        total(sa.and_(issued_invoice, balance > 0), balance),
    )
    if condition is not None:
        query = query.where(condition)
    invoiced, credited, outstanding = session.execute(query).one()
    return {"invoiced": int(invoiced), "credited": int(credited), "outstanding": int(outstanding)}


# ---------------------------------------------------------------- refusals


def edit_problem(invoice: Invoice) -> str | None:
    """Why ``invoice`` cannot be changed, or None: only a draft changes."""
    return None if invoice.status == STATUS_DRAFT else str(ALREADY_ISSUED)


def issue_problem(invoice: Invoice, config) -> str | None:
    """Why ``invoice`` cannot be issued now, or None."""
    if invoice.status != STATUS_DRAFT:
        return str(ALREADY_ISSUED)
    if invoice.client_id is None:
        return str(NO_CLIENT)
    if not invoice.lines:
        return str(NO_LINES)
    missing = missing_seller_settings(config)
    if missing:
        return str(
            _l(
                "Les mentions du vendeur manquent dans la configuration : %(names)s.",
                names=", ".join(missing),
            )
        )
    if invoice.kind == KIND_CREDIT_NOTE and invoice.corrects is not None:
        total = totals(invoice.lines).incl_tax_cents
        if total > _creditable(invoice.corrects):
            return str(CREDIT_TOO_HIGH % {"balance": format_cents(_creditable(invoice.corrects))})
    return None


def _creditable(invoice: Invoice) -> int:
    return invoice.total_incl_tax_cents - invoice.credited_cents


def payment_problem(invoice: Invoice, amount_cents: int) -> str | None:
    """Why a payment of ``amount_cents`` cannot be recorded on ``invoice``, or None."""
    if invoice.status != STATUS_ISSUED or invoice.kind != KIND_INVOICE:
        return str(NOT_ISSUED)
    balance = balance_cents(invoice)
    if balance <= 0:
        return str(NOTHING_DUE)
    if amount_cents > balance:
        return str(AMOUNT_TOO_HIGH % {"balance": format_cents(balance)})
    return None


def credit_note_problem(invoice: Invoice) -> str | None:
    """Why no credit note can be drawn up for ``invoice``, or None."""
    if invoice.status != STATUS_ISSUED or invoice.kind != KIND_INVOICE:
        return str(NOT_ISSUED)
    return None


# ---------------------------------------------------------------- seller and buyer


def missing_seller_settings(config) -> list[str]:
    """The seller settings an invoice needs and the configuration lacks."""
    missing = [name for name in REQUIRED_SELLER_SETTINGS if not config.get(name)]
    if not config.get("SELLER_VAT_EXEMPT") and not config.get("SELLER_VAT_NUMBER"):
        missing.append("SELLER_VAT_NUMBER")
    return missing


def buyer_siren(client: Client) -> str | None:
    """The SIREN of a business client (the first nine digits of its SIRET)."""
    if client.category == CATEGORY_INDIVIDUAL or not client.siret:
        return None
    return client.siret[:9]


def freeze_buyer(invoice: Invoice, client: Client) -> None:
    """Copy the buyer's details, as they are now, onto ``invoice``."""
    invoice.buyer_name = client.display_name
    invoice.buyer_address = buyer_address(client) or None
    invoice.buyer_siren = buyer_siren(client)
    invoice.buyer_vat_number = client.vat_number if client.is_business else None
    invoice.buyer_is_professional = client.category == CATEGORY_PROFESSIONAL


# ---------------------------------------------------------------- numbering


def format_number(kind: str, year: int, number: int) -> str:
    """``2026-00042`` for an invoice, ``AV-2026-00003`` for a credit note."""
    return f"{NUMBER_PREFIX[kind]}{year}-{number:05d}"


def ensure_sequence(engine: sa.Engine, series: str, year: int) -> None:
    """Create the counter row of ``series`` for ``year`` if missing, in its own transaction.

    Outside the issuing transaction, so that two first issues of a year never both insert it
    (on MariaDB, that would deadlock); a duplicate from a concurrent creator is fine.
    """
    table = InvoiceSequence.__table__
    exists = sa.select(table.c.year).where(table.c.series == series, table.c.year == year)
    with engine.connect() as connection:
        if connection.execute(exists).first() is not None:
            return
    try:
        with engine.begin() as connection:
            connection.execute(table.insert().values(series=series, year=year, last_number=0))
    except IntegrityError:
        pass


def draw_number(session: Session, series: str, year: int) -> int:
    """The next number of ``series`` for ``year``, its counter row locked until the commit.

    The increment is the transaction's first write: on SQLite it takes the single writer lock
    (waiting for another issue to finish), on MariaDB the row lock. A rollback gives the number
    back, so the sequence has no gap. :func:`ensure_sequence` must have made the row.
    """
    table = InvoiceSequence.__table__
    where = (table.c.series == series, table.c.year == year)
    connection = session.connection()
    bumped = connection.execute(
        table.update().where(*where).values(last_number=table.c.last_number + 1)
    )
    if bumped.rowcount != 1:
        raise LookupError(f"no invoice sequence {series} {year}")
    return connection.execute(sa.select(table.c.last_number).where(*where)).scalar_one()


def due_date(issued_on: date, terms_days: int) -> date:
    return issued_on + timedelta(days=int(terms_days))


def issue(session: Session, invoice: Invoice, *, config, today: date, issued_at) -> None:
    """Draw the number of ``invoice``, freeze the buyer, seller and totals; the caller commits.

    A credit note also takes its amount off the invoice it corrects. The caller has checked
    :func:`issue_problem` and called :func:`ensure_sequence`.
    """
    number = draw_number(session, SERIES[invoice.kind], today.year)
    # Re-read under the lock: another admin may have issued it meanwhile.
    session.refresh(invoice, with_for_update=True)
    if invoice.status != STATUS_DRAFT:
        raise AlreadyIssued(invoice.id)
    invoice.number = format_number(invoice.kind, today.year, number)
    invoice.status = STATUS_ISSUED
    invoice.issued_on = today
    invoice.issued_at = issued_at
    invoice.due_on = (
        today
        if invoice.kind == KIND_CREDIT_NOTE
        else due_date(today, config.get("INVOICE_PAYMENT_TERMS_DAYS", 30))
    )
    if invoice.service_date is None:
        invoice.service_date = today
    freeze_buyer(invoice, invoice.client)
    invoice.seller = seller_details(config)
    result = totals(invoice.lines)
    invoice.total_excl_tax_cents = result.excl_tax_cents
    invoice.total_tax_cents = result.tax_cents
    invoice.total_incl_tax_cents = result.incl_tax_cents
    if invoice.kind == KIND_CREDIT_NOTE and invoice.corrects_id is not None:
        table = Invoice.__table__
        session.execute(
            table.update()
            .where(table.c.id == invoice.corrects_id)
            .values(credited_cents=table.c.credited_cents + result.incl_tax_cents)
        )


class AlreadyIssued(Exception):
    """The draft was issued by someone else while this issue waited for the number."""


def add_payment_amount(session: Session, invoice: Invoice, amount_cents: int) -> None:
    """Add ``amount_cents`` to what was paid on ``invoice``, in SQL (no lost update)."""
    table = Invoice.__table__
    session.execute(
        table.update()
        .where(table.c.id == invoice.id)
        .values(paid_cents=table.c.paid_cents + amount_cents)
    )


def intervention_line(intervention, config) -> InvoiceLine:
    """The line of an invoice drafted from an intervention: its time, at the hourly rate."""
    minutes = intervention.minutes_spent or 60
    return InvoiceLine(
        position=1,
        description=f"Intervention {intervention.kind_label.lower()} du "
        f"{intervention.starts_at:%d/%m/%Y}",
        quantity_thousandths=round(Decimal(minutes * 1000) / 60),
        unit_price_cents=config.get("INVOICE_HOURLY_RATE_CENTS"),
        vat_rate_bp=VAT_RATES[0],
        discount_bp=0,
    )


def interventions_to_bill_query(client_id: int) -> sa.Select:
    """The client's finished interventions that no invoice was drafted from, newest first."""
    from models.intervention import STATUS_DONE, Intervention

    billed = sa.select(Invoice.intervention_id).where(Invoice.intervention_id.is_not(None))
    return (
        sa.select(Intervention)
        .where(
            Intervention.client_id == client_id,
            Intervention.status == STATUS_DONE,
            Intervention.id.not_in(billed),
        )
        .order_by(Intervention.starts_at.desc(), Intervention.id.desc())
        .limit(10)
    )


def credit_note_lines(invoice: Invoice) -> list[InvoiceLine]:
    """Lines for a credit note cancelling ``invoice`` in full; the admin may lower them."""
    return [
        InvoiceLine(
            position=line.position,
            description=line.description,
            quantity_thousandths=line.quantity_thousandths,
            unit_price_cents=line.unit_price_cents,
            vat_rate_bp=line.vat_rate_bp,
            discount_bp=line.discount_bp,
        )
        for line in invoice.lines
    ]


def payment_sums(session: Session, condition) -> dict:
    """Count and amount of the payments matching ``condition``, in all and per method (one query)."""
    rows = session.execute(
        sa.select(
            Payment.method, sa.func.count(), sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0)
        )
        .join(Invoice, Payment.invoice_id == Invoice.id)
        .where(condition)
        .group_by(Payment.method)
    ).all()
    by_method = {method: int(amount) for method, _count, amount in rows}
    return {
        "count": sum(int(count) for _method, count, _amount in rows),
        "amount": sum(by_method.values()),
        "by_method": by_method,
    }
