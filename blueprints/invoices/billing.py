"""Acts on invoices that go beyond one rule: issuing (number, PDF, file store), downloads,
payments, reminders. The caller commits; nothing here reads the request.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import partial

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from blueprints.invoices import document, rules
from models import db, utcnow
from models.client import Client
from models.invoice import (
    KIND_CREDIT_NOTE,
    KIND_INVOICE,
    Invoice,
    InvoiceDownload,
    InvoiceReminder,
    Payment,
)
from services import file_store
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail


def prepare_issue(invoice: Invoice, today: date) -> None:
    """What must exist before the issuing transaction: this year's counter row."""
    rules.ensure_sequence(db.engine, rules.SERIES[invoice.kind], today.year)


def issue_invoice(invoice: Invoice, today: date, actor=None) -> None:
    """Issue ``invoice``: its number and its frozen details; the caller commits.

    Call :func:`prepare_issue` first, before anything is written in the transaction, and
    :func:`store_pdf` after the commit: the counter stays locked only for the issue itself.
    """
    rules.issue(db.session, invoice, config=current_app.config, today=today, issued_at=utcnow())
    action = "credit_note.issued" if invoice.kind == KIND_CREDIT_NOTE else "invoice.issued"
    log_activity(
        action,
        target=invoice,
        actor=actor,
        detail={"number": invoice.number, "client": invoice.client_id},
    )


def store_pdf(invoice: Invoice) -> None:
    """Make the PDF of an issued invoice once and keep it with its checksum; the caller commits.

    Right after the issue, or at the first download if that failed. Two requests making it at
    once keep the first: the other's file is removed.
    """
    if invoice.pdf_stored_name is not None:
        return
    data = document.build_pdf(invoice)
    stored_name = file_store.save(data).name
    table = Invoice.__table__
    try:
        kept = db.session.execute(
            table.update()
            .where(table.c.id == invoice.id, table.c.pdf_stored_name.is_(None))
            .values(pdf_stored_name=stored_name, pdf_sha256=hashlib.sha256(data).hexdigest())
        ).rowcount
    except Exception:
        file_store.delete(stored_name)
        raise
    if kept != 1:
        file_store.delete(stored_name)
    db.session.expire(invoice, ["pdf_stored_name", "pdf_sha256"])


def pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF of an issued invoice, as made at issue."""
    with file_store.open(invoice.pdf_stored_name) as stored:
        return stored.read()


def record_download(invoice: Invoice, user, by_client: bool) -> None:
    """Keep who downloaded the PDF of ``invoice`` and when, and log it."""
    db.session.add(
        InvoiceDownload(
            invoice_id=invoice.id, user_id=getattr(user, "id", None), by_client=by_client
        )
    )
    detail = {"number": invoice.number}
    if not by_client:
        detail["client"] = invoice.client_id
    log_activity("invoice.downloaded", target=invoice, detail=detail)


def record_payment(invoice: Invoice, *, paid_on, amount_cents, method, reference, user) -> Payment:
    """Record a payment received for ``invoice``; the caller checked ``payment_problem``."""
    payment = Payment(
        invoice_id=invoice.id,
        paid_on=paid_on,
        amount_cents=amount_cents,
        method=method,
        reference=reference,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(payment)
    rules.add_payment_amount(db.session, invoice, amount_cents)
    db.session.flush()
    log_activity(
        "payment.recorded",
        target=payment,
        detail={"invoice": invoice.number, "client": invoice.client_id, "amount": amount_cents},
    )
    return payment


def draft_credit_note(invoice: Invoice, user) -> Invoice:
    """A draft credit note cancelling ``invoice`` in full; the admin may lower its lines."""
    credit_note = Invoice(
        client_id=invoice.client_id,
        kind=KIND_CREDIT_NOTE,
        corrects_id=invoice.id,
        service_date=invoice.service_date,
        operation_category=invoice.operation_category,
        created_by_id=getattr(user, "id", None),
    )
    credit_note.lines = rules.credit_note_lines(invoice)
    db.session.add(credit_note)
    db.session.flush()
    log_activity(
        "credit_note.drafted",
        target=credit_note,
        detail={"invoice": invoice.number, "client": invoice.client_id},
    )
    return credit_note


# ---------------------------------------------------------------- reminders


def send_due_reminders(today: date) -> int:
    """Mail one reminder per overdue invoice that reached a new step; returns how many.

    Each reminder is recorded (invoice, step) in the same transaction as its mail: run again, the
    command finds it and sends nothing. The caller commits.
    """
    steps = sorted(int(step) for step in current_app.config.get("INVOICE_REMINDER_DAYS") or ())
    invoices = db.session.scalars(
        rules.overdue_invoices_query(today).options(
            selectinload(Invoice.client).selectinload(Client.user)
        )
    ).all()
    if not invoices or not steps:
        return 0
    sent_rows = db.session.execute(
        sa.select(InvoiceReminder.invoice_id, InvoiceReminder.step).where(
            InvoiceReminder.invoice_id.in_([invoice.id for invoice in invoices])
        )
    ).all()
    sent: dict[int, list[int]] = {}
    for invoice_id, step in sent_rows:
        sent.setdefault(invoice_id, []).append(step)
    count = 0
    for invoice in invoices:
        step = rules.reminder_step_due(
            rules.days_overdue(invoice, today), steps, sent.get(invoice.id, ())
        )
        user = invoice.client.user if invoice.client else None
        if step is None or user is None:
            continue
        db.session.add(InvoiceReminder(invoice_id=invoice.id, step=step))
        send_mail(
            user.email,
            "invoice_reminder",
            _l("Rappel : facture %(number)s en attente de règlement", number=invoice.number),
            locale=getattr(user, "locale", None),
            number=invoice.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            balance=rules.format_cents(rules.balance_cents(invoice)),
            invoice_url=mail_url("invoices.account_invoice", invoice_id=invoice.id),
        )
        log_activity(
            "invoice.reminder_sent",
            target=invoice,
            detail={"number": invoice.number, "step": step, "client": invoice.client_id},
        )
        count += 1
    return count


def _summary_statement() -> sa.Select:
    balance = Invoice.total_incl_tax_cents - Invoice.paid_cents - Invoice.credited_cents
    overdue = sa.case((Invoice.due_on < sa.bindparam("today", type_=sa.Date), 1), else_=0)
    return sa.select(
        sa.func.coalesce(sa.func.sum(balance), 0),
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(overdue), 0),
    ).where(
        Invoice.client_id == sa.bindparam("client_id"),
        Invoice.status == "issued",
        Invoice.kind == KIND_INVOICE,
        Invoice.total_incl_tax_cents > Invoice.paid_cents + Invoice.credited_cents,
    )


# Built once: the dashboard runs it on every visit.
_SUMMARY = _summary_statement()


def client_summary(client_id: int, today: date) -> dict:
    """Amount due and number of overdue invoices of a client, in one query."""
    row = db.session.execute(_SUMMARY, {"client_id": client_id, "today": today}).one()
    return {"amount_due": int(row[0]), "unpaid_count": int(row[1]), "overdue_count": int(row[2])}


# ---------------------------------------------------------------- the client's documents


def client_documents_source(client_id: int):
    """The PDFs of the client's issued invoices and credit notes, for the documents ZIP.

    Handing one to the client counts as a download of it (kept, as for a single PDF).
    """
    from services.client_documents import Document

    rows = db.session.execute(
        sa.select(
            Invoice.id, Invoice.kind, Invoice.number, Invoice.pdf_stored_name, Invoice.issued_at
        ).where(
            Invoice.client_id == client_id,
            Invoice.status == "issued",
            Invoice.pdf_stored_name.is_not(None),
        )
    ).all()
    folder = {KIND_INVOICE: "factures", KIND_CREDIT_NOTE: "avoirs"}
    prefix = {KIND_INVOICE: "facture", KIND_CREDIT_NOTE: "avoir"}
    for row in rows:
        stored = file_store.path(row.pdf_stored_name)
        yield Document(
            name=f"{folder[row.kind]}/{prefix[row.kind]}-{row.number}.pdf",
            open=partial(stored.open, "rb"),
            made_at=row.issued_at,
            on_download=_download_keeper(row.id),
        )


def _download_keeper(invoice_id: int):
    def keep(user, by_client: bool) -> None:
        db.session.add(
            InvoiceDownload(
                invoice_id=invoice_id, user_id=getattr(user, "id", None), by_client=by_client
            )
        )

    return keep


# ---------------------------------------------------------------- before an erasure


def unpaid_invoices_check(client_id: int) -> tuple[str, int]:
    """For the erasure checklist (blocking): the client's issued invoices not fully paid."""
    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            Invoice.client_id == client_id,
            Invoice.status == "issued",
            Invoice.kind == KIND_INVOICE,
            Invoice.total_incl_tax_cents > Invoice.paid_cents + Invoice.credited_cents,
        )
    )
    return str(_l("Factures impayées")), count


def never_downloaded_check(client_id: int) -> tuple[str, int]:
    """For the erasure checklist: issued documents the client never downloaded (offer the ZIP)."""
    downloaded = (
        sa.select(InvoiceDownload.id)
        .where(InvoiceDownload.invoice_id == Invoice.id, InvoiceDownload.by_client.is_(True))
        .exists()
    )
    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            Invoice.client_id == client_id, Invoice.status == "issued", ~downloaded
        )
    )
    return str(_l("Factures et avoirs jamais téléchargés par le client")), count
