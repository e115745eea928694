"""The client's "all my documents" ZIP and data export, for a client with 10,000 tickets and 200
PDF invoices: the time of each and how much each grows the process that serves it.

Run by ``make bench`` on each database (``bench/run.py``), or alone on SQLite:
``python bench/documents.py``. The settings come from the environment (``FLASK_*``, as
``bench/wsgi.py`` reads them) when ``--json`` is given; the data are made in this process,
then each download is measured in a fresh process, so that the growth is the download's own:
the peak resident memory (VmHWM) after the download minus the resident memory before it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICKETS = 10_000
DOCUMENTS = 200
EMAIL = "documents@bench.demo.empcomputer.fr"
DOWNLOADS = {"documents ZIP": "/account/documents.zip", "data export": "/account/privacy/export"}
SELLER = {
    "SELLER_NAME": "E.M.P COMPUTER INFORMATIQUE",
    "SELLER_LEGAL_FORM": "SARL",
    "SELLER_SIREN": "123456789",
    "SELLER_VAT_NUMBER": "FR32123456789",
}


def memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def served_app():
    from app import create_app

    return create_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE_PATH"], **SELLER})


def make_data() -> None:
    """The client, their tickets with two messages each, and 200 issued invoices with PDFs."""
    import sqlalchemy as sa

    from bench.data import add_tickets
    from blueprints.invoices.billing import issue_invoice, prepare_issue, store_pdf
    from models import db, utcnow
    from models.client import Client
    from models.invoice import Invoice, InvoiceLine
    from models.user import ROLE_CLIENT, User
    from services import file_store
    from services.passwords import hash_password

    app = served_app()
    with app.app_context():
        db.create_all()
        user = User(
            email=EMAIL,
            email_canonical=EMAIL,
            password_hash=hash_password("Documents-Espace-Client-2026!"),
            role=ROLE_CLIENT,
            email_verified_at=utcnow(),
            session_version=1,
            is_enabled=True,
        )
        user.client = Client(category="particulier", first_name="Marie", last_name="Martin")
        db.session.add(user)
        db.session.commit()
        add_tickets([(user.client.id, user.id)], TICKETS, random.Random(7))
        invoice = Invoice(client_id=user.client.id, kind="invoice")
        invoice.lines = [
            InvoiceLine(
                position=1,
                description="Dépannage",
                quantity_thousandths=1000,
                unit_price_cents=6000,
                vat_rate_bp=2000,
                discount_bp=0,
            )
        ]
        db.session.add(invoice)
        db.session.commit()
        prepare_issue(invoice, date.today())
        issue_invoice(invoice, date.today())
        db.session.commit()
        store_pdf(invoice)
        db.session.commit()
        # The other 199: the first PDF stored again under new names (issuing 200 takes minutes).
        with file_store.open(invoice.pdf_stored_name) as stored:
            pdf = stored.read()
        for n in range(DOCUMENTS - 1):
            db.session.add(
                Invoice(
                    client_id=user.client.id,
                    kind="invoice",
                    status="issued",
                    number=f"D{date.today().year}-{n:05d}",
                    issued_on=date.today(),
                    pdf_stored_name=file_store.save(pdf).name,
                )
            )
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Invoice))
        assert count == DOCUMENTS


def measure(url: str) -> dict:
    """Download ``url`` as the client, reading the whole stream; time, size, growth."""
    from bench import run

    app = served_app()
    cookie = run.session_cookie(app, "client", EMAIL)
    headers = {**run.PROXY_HEADERS, "Cookie": cookie}
    client = app.test_client(use_cookies=False)
    client.get("/account", headers=headers)  # warm-up: templates, catalogues, connections
    before = memory_kb("VmRSS")
    started = time.perf_counter()
    response = client.get(url, headers=headers, buffered=False)
    size = sum(len(piece) for piece in response.response)
    response.close()
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} : {response.status_code}")
    return {
        "seconds": seconds,
        "mb": size / 1e6,
        "growth_mb": (memory_kb("VmHWM") - before) / 1024,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="settings from the environment")
    parser.add_argument("--measure", help="(internal) the URL to measure in this process")
    options = parser.parse_args(argv)
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="espace-client-documents-") as tmp:
        env = dict(os.environ)
        if not options.json:
            from bench import run

            instance = Path(tmp) / "instance"
            instance.mkdir()
            settings = run.production_settings(f"sqlite:///{tmp}/documents.sqlite", instance)
            env = run.environment(settings, instance)
            os.environ.update(env)
        make_data()
        figures = {}
        for name, url in DOWNLOADS.items():
            output = subprocess.run(
                [sys.executable, __file__, "--measure", url],
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=True,
            ).stdout
            figures[name] = json.loads(output.strip().splitlines()[-1])
        if options.json:
            print(json.dumps(figures))
        else:
            for name, found in figures.items():
                print(
                    f"{name}: {found['seconds']:.1f} s, {found['mb']:.1f} MB,"
                    f" process grew by {found['growth_mb']:.1f} MB"
                )


if __name__ == "__main__":
    main()
