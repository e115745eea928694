"""Invoices: the time to issue one (number, frozen details, Factur-X PDF, file store) and to
stream the ZIP of a client's 200 documents, with the memory the stream holds meanwhile.

Run from the project root: ``python bench/invoices.py`` (SQLite in a temporary folder) or with
``--database-url mysql+pymysql://...`` (its tables are dropped and made again). Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from models import db  # noqa: E402
from models.client import Client  # noqa: E402
from models.invoice import Invoice, InvoiceLine  # noqa: E402

SELLER = {
    "SELLER_LEGAL_FORM": "SARL",
    "SELLER_SIREN": "123456789",
    "SELLER_VAT_NUMBER": "FR32123456789",
}
ISSUES = 10
DOCUMENTS = 200


def draft(client_id: int) -> Invoice:
    invoice = Invoice(client_id=client_id, kind="invoice")
    invoice.lines = [
        InvoiceLine(
            position=n,
            description=f"Prestation {n}",
            quantity_thousandths=1500,
            unit_price_cents=6000 + n,
            vat_rate_bp=2000,
            discount_bp=0,
        )
        for n in range(1, 6)
    ]
    db.session.add(invoice)
    db.session.commit()
    return invoice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-" + "k" * 40,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": folder,
                "FIELD_ENCRYPTION_KEYS": ["dGVzdHMtb25seS1maWVsZC1rZXktMDEyMzQ1Njc4OWFiY2Q="],
                **SELLER,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            run(app)
            db.session.remove()
            db.drop_all()


def run(app) -> None:
    from blueprints.invoices.billing import (
        client_documents_source,
        issue_invoice,
        prepare_issue,
        store_pdf,
    )
    from services import file_store
    from services.client_documents import zip_stream

    client = Client(last_name="Martin", first_name="Marie", city="Hyères")
    db.session.add(client)
    db.session.commit()
    today = date.today()
    timings = []
    first = None
    for _ in range(ISSUES):
        invoice = draft(client.id)
        start = time.perf_counter()
        prepare_issue(invoice, today)
        issue_invoice(invoice, today)
        db.session.commit()
        store_pdf(invoice)
        db.session.commit()
        timings.append(time.perf_counter() - start)
        first = first or invoice
    print(
        f"issue an invoice (5 lines, Factur-X PDF): median {statistics.median(timings) * 1000:.0f} ms,"
        f" max {max(timings) * 1000:.0f} ms over {ISSUES}"
    )

    # 200 documents: the first PDF stored again under 200 names (issuing 200 would take minutes).
    with file_store.open(first.pdf_stored_name) as stored:
        data = stored.read()
    for n in range(DOCUMENTS - ISSUES):
        copy = Invoice(
            client_id=client.id,
            kind="invoice",
            status="issued",
            number=f"{today.year}-9{n:04d}",
            pdf_stored_name=file_store.save(data).name,
        )
        db.session.add(copy)
    db.session.commit()
    documents = list(client_documents_source(client.id))
    tracemalloc.start()
    start = time.perf_counter()
    size = sum(len(piece) for piece in zip_stream(documents))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"ZIP of {len(documents)} documents ({size / 1e6:.1f} MB): {elapsed * 1000:.0f} ms,"
        f" peak memory held while streaming {peak / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
