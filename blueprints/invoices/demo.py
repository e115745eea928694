"""Demo invoices: one paid, one partly paid, one overdue, and a draft."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from blueprints.invoices import document, rules
from models import db, utcnow
from models.invoice import KIND_INVOICE, Invoice, InvoiceLine, InvoiceSequence, Payment
from services import file_store
from services.dates import company_today

# Placeholders for the seller settings a fresh installation lacks; printed on demo invoices only.
DEMO_SELLER = {
    "SELLER_LEGAL_FORM": "Entreprise individuelle (démonstration)",
    "SELLER_SIREN": "000000000",
    "SELLER_VAT_NUMBER": "FR00000000000",
}

HOUR = ("Assistance informatique sur site (heure)", 1000, 6000, 2000, 0)
REMOTE = ("Télémaintenance (forfait 30 min)", 1000, 3500, 2000, 0)
CABLE = ("Câble réseau RJ45 Cat. 6, 5 m", 2000, 1290, 2000, 1000)

# (client index, days ago issued, lines, part paid: None none, "all" or cents)
DEMO_INVOICES = [
    (0, 60, [HOUR, CABLE], "all"),
    (1, 20, [HOUR, REMOTE], 5000),
    (1, 50, [REMOTE], None),
]


def _lines(specs) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            position=position,
            description=description,
            quantity_thousandths=quantity,
            unit_price_cents=price,
            vat_rate_bp=rate,
            discount_bp=discount,
        )
        for position, (description, quantity, price, rate, discount) in enumerate(specs, 1)
    ]


def _sequence_row(year: int) -> None:
    """The counter row, made in the demo's own transaction (nothing runs beside it)."""
    found = db.session.get(InvoiceSequence, (rules.SERIES[KIND_INVOICE], year))
    if found is None:
        db.session.add(InvoiceSequence(series=rules.SERIES[KIND_INVOICE], year=year, last_number=0))
        db.session.flush()


def add_demo_invoices(admin, clients) -> None:
    """Issued invoices with their PDFs for the first two demo clients, and a draft."""
    config = {**current_app.config}
    for name, value in DEMO_SELLER.items():
        config[name] = config.get(name) or value
    today = company_today()
    for index, days_ago, specs, paid in DEMO_INVOICES:
        if index >= len(clients):
            continue
        client = clients[index]
        invoice = Invoice(client_id=client.id, kind=KIND_INVOICE, created_by_id=admin.id)
        invoice.client = client
        invoice.lines = _lines(specs)
        db.session.add(invoice)
        db.session.flush()
        issued_on = today - timedelta(days=days_ago)
        _sequence_row(issued_on.year)
        rules.issue(db.session, invoice, config=config, today=issued_on, issued_at=utcnow())
        db.session.flush()
        data = document.build_pdf(invoice)
        invoice.pdf_stored_name = file_store.save(data).name
        invoice.pdf_sha256 = hashlib.sha256(data).hexdigest()
        amount = invoice.total_incl_tax_cents if paid == "all" else paid
        if amount:
            db.session.add(
                Payment(
                    invoice_id=invoice.id,
                    paid_on=issued_on + timedelta(days=10),
                    amount_cents=amount,
                    method="transfer",
                    reference="VIR DEMO",
                    recorded_by_id=admin.id,
                )
            )
            db.session.execute(
                sa.update(Invoice).where(Invoice.id == invoice.id).values(paid_cents=amount)
            )
    if len(clients) > 2:
        draft = Invoice(client_id=clients[2].id, kind=KIND_INVOICE, created_by_id=admin.id)
        draft.lines = _lines([REMOTE])
        db.session.add(draft)
