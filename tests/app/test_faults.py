"""Faults: the database away, the mail server down, the file store unwritable.

The database is taken away for real: MariaDB through a TCP proxy that is cut (every connection
closed, new ones refused) and brought back on the same port, as a restarting server does;
SQLite by another process holding an exclusive lock past the busy timeout. Either way the
visitor gets the French 503 page, nothing half-written stays, and the same app (no restart)
answers again once the database is back.
"""

from __future__ import annotations

import html
import io
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from models import db
from models.invoice import Invoice, InvoiceSequence
from models.mail import STATUS_PENDING, STATUS_SENT
from models.ticket import Ticket, TicketAttachment, TicketMessage
from tests.fixtures.config import base_config
from tests.fixtures.database import count_rows
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX
from tests.fixtures.invoices import SELLER, make_draft, make_issued
from tests.fixtures.mail import LocalSmtpServer, outbox_for
from tests.fixtures.tcp_proxy import TcpProxy
from tests.fixtures.users import PASSWORD, make_user

TICKET = {
    "subject": "hardware",
    "title": "Écran noir pendant la panne",
    "priority": "normal",
    "body": "Depuis ce matin.",
    "device_id": "0",
    "idempotency_key": "cle-panne-1",
}
ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE = "Service momentanément indisponible"
SAVED = "Votre envoi est bien enregistré"
MAYBE = "il est peut-être enregistré"


class Outage:
    """The app, served on a database that ``cut()`` takes away and ``restore()`` brings back.

    MariaDB (``full``): every connection is cut and new ones are refused. SQLite is a local file
    in WAL mode, whose readers are never blocked: its outage is another process holding the
    write lock (a stuck maintenance job), so that writes fail past the busy timeout.
    """

    def __init__(self, database_url: str, tmp_path):
        self._lock: sqlite3.Connection | None = None
        self._proxy = None
        self.full = not database_url.startswith("sqlite")
        if self.full:
            server = sa.make_url(database_url)
            self._proxy = TcpProxy(server.host or "127.0.0.1", server.port or 3306).start()
            proxied = server.set(host="127.0.0.1", port=self._proxy.port)
            url = proxied.render_as_string(hide_password=False)
        else:
            self._path = sa.make_url(database_url).database
            url = database_url
        config = base_config(url, tmp_path)
        config |= {"SQLITE_BUSY_TIMEOUT_MS": 2000, "MAIL_FILE_DIR": str(tmp_path / "mail")}
        self.app = create_app(config)

    def cut(self) -> None:
        if self._proxy is not None:
            self._proxy.cut()
        else:
            self._lock = sqlite3.connect(self._path, timeout=5, isolation_level=None)
            self._lock.execute("BEGIN IMMEDIATE")

    def restore(self) -> None:
        if self._proxy is not None:
            self._proxy.restore()
        elif self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None

    def close(self) -> None:
        self.restore()
        with self.app.app_context():
            db.engine.dispose()
        if self._proxy is not None:
            self._proxy.stop()


@pytest.fixture
def outage(app, database_url, tmp_path):
    outage = Outage(database_url, tmp_path)
    yield outage
    outage.close()


def logged_in(outage: Outage, app):
    make_user(app)
    client = outage.app.test_client()
    login = {"email": "client@example.fr", "password": PASSWORD}
    assert client.post("/auth/login", data=login).status_code == 303
    return client


def test_a_database_outage_gives_the_french_503_then_the_app_recovers(app, outage):
    client = logged_in(outage, app)
    assert client.get("/account").status_code == 200
    outage.cut()
    try:
        sent = client.post("/tickets/new", data=TICKET)
        sent_by_htmx = client.post("/tickets/new", data=TICKET, headers=HTMX)
        page = client.get("/account")
        health = client.get("/health")
    finally:
        outage.restore()
    assert sent.status_code == 503
    assert UNAVAILABLE in sent.get_data(as_text=True)
    assert '<html lang="fr">' in sent.get_data(as_text=True)
    assert sent.headers["Retry-After"] == "30"
    assert sent_by_htmx.status_code == 503
    assert sent_by_htmx.headers["HX-Retarget"] == "#messages"
    assert UNAVAILABLE in sent_by_htmx.get_data(as_text=True)
    if outage.full:  # nothing answers: pages too
        assert page.status_code == 503 and UNAVAILABLE in page.get_data(as_text=True)
        assert health.status_code == 503
    else:  # SQLite's readers go on while a writer holds the lock
        assert page.status_code == 200
    # Back without a restart, the session kept; what was sent during the outage is not stored.
    assert client.get("/account").status_code == 200
    assert count_rows(app, Ticket) == 0
    assert client.post("/tickets/new", data=TICKET).status_code == 303
    assert count_rows(app, Ticket) == 1 and count_rows(app, TicketMessage) == 1


def test_database_restarted_under_load_loses_nothing_then_no_error(app, outage):
    """Six clients read and open tickets while the database goes away and comes back."""
    client = logged_in(outage, app)
    cookie = client.get_cookie(outage.app.config["SESSION_COOKIE_NAME"]).value
    # (phase when sent, phase when answered, read or write, status, ticket title)
    answers: list[tuple[str, str, str, int, str]] = []
    phase = ["before"]
    stop = threading.Event()

    def load(number: int):
        worker = outage.app.test_client()
        worker.set_cookie(outage.app.config["SESSION_COOKIE_NAME"], cookie)
        sent = 0
        while not stop.is_set():
            start = phase[0]
            status = worker.get("/account").status_code
            answers.append((start, phase[0], "read", status, ""))
            sent += 1
            key = f"charge-{number}-{sent}"
            data = {**TICKET, "title": key, "idempotency_key": key}
            start = phase[0]
            response = worker.post("/tickets/new", data=data)
            status = response.status_code
            text = response.get_data(as_text=True)
            said = "saved" if SAVED in text else "maybe" if MAYBE in text else ""
            answers.append((start, phase[0], "write", status, f"{key} {said}".strip()))

    threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        phase[0] = "during"
        outage.cut()
        time.sleep(3)  # longer than SQLite's busy timeout: writers give up
        outage.restore()
        time.sleep(2.5)  # requests that started during the outage end
        phase[0] = "after"
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    before = {status for (_s, end, _k, status, _t) in answers if end == "before"}
    around = {status for (start, end, _k, status, _t) in answers if "during" in (start, end)}
    after = {status for (start, _e, _k, status, _t) in answers if start == "after"}
    assert before and before <= {200, 303}  # answered before the cut
    assert 503 in around and around <= {200, 303, 503}
    assert after and after <= {200, 303}  # sent once the database was back
    writes = [(status, said) for (*_, kind, status, said) in answers if kind == "write"]
    accepted = {said.split()[0] for status, said in writes if status == 303 or "saved" in said}
    maybe = {said.split()[0] for status, said in writes if status == 503 and "maybe" in said}
    with app.app_context():
        titles = list(db.session.scalars(sa.select(Ticket.title)))
    # Every ticket accepted (or said saved) is there, once; none said "not saved" is.
    assert len(titles) == len(set(titles))
    assert accepted <= set(titles) <= accepted | maybe


def test_smtp_down_keeps_mail_in_the_outbox_and_delivers_it_once_later(
    app, runner, certificates, time_machine
):
    server = LocalSmtpServer("starttls", certificates["trusted"])  # bound, not listening yet
    app.config.update(server.settings)
    make_user(app)
    client = app.test_client()
    client.post("/auth/reset", data={"email": "client@example.fr"})
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0  # connection refused
    ((status, attempts),) = [(m.status, m.attempts) for m in outbox_for(app, "client@example.fr")]
    assert status == STATUS_PENDING and attempts == 1
    server.start()
    try:
        time_machine.move_to(datetime.now(UTC) + timedelta(hours=1))  # past the back-off
        assert runner.invoke(args=["mail", "send"]).exit_code == 0
        assert runner.invoke(args=["mail", "send"]).exit_code == 0
    finally:
        server.stop()
    assert len(server.messages) == 1
    assert [m.status for m in outbox_for(app, "client@example.fr")] == [STATUS_SENT]


@pytest.mark.settings(FILE_STORE="/dev/null/files")  # under a device: no folder can be made
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_unwritable_file_store_gives_a_clear_error_and_no_orphan_row(app, client, auth, headers):
    auth.create_client()
    auth.login()
    data = {**TICKET, "attachments": (io.BytesIO(b"%PDF-1.4\n"), "facture.pdf")}
    response = client.post(
        "/tickets/new", data=data, content_type="multipart/form-data", headers=headers
    )
    assert response.status_code == 503
    text = html.unescape(response.get_data(as_text=True))
    assert "Vos fichiers n'ont pas pu être enregistrés" in text
    assert "rien de cet envoi n'a été conservé" in text
    if headers:  # the form stays in the page as typed: the message goes to #messages
        assert response.headers["HX-Retarget"] == "#messages"
    assert count_rows(app, Ticket) == 0 and count_rows(app, TicketMessage) == 0
    assert count_rows(app, TicketAttachment) == 0
    # The same form without the file goes through.
    assert client.post("/tickets/new", data=TICKET).status_code == 303


def run_killed_writer(app, *arguments: str) -> subprocess.CompletedProcess:
    """Run tests/fixtures/killed_writer.py on this test's database and settings."""
    config = {k: v for k, v in app.config.items() if k in JSON_SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "tests.fixtures.killed_writer", json.dumps(config), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


JSON_SETTINGS = {
    *("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "FILE_STORE"),
    *("WTF_CSRF_ENABLED", "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "CAPTCHA_PROVIDER"),
    *("MAIL_BACKEND", "MAIL_FILE_DIR", "MAIL_SEND_AFTER_COMMIT", "FIELD_ENCRYPTION_KEYS"),
    *("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM"),
    *SELLER,
}


def test_a_worker_killed_in_the_middle_of_a_ticket_leaves_no_row(app, auth):
    auth.create_client()
    result = run_killed_writer(app, "ticket")
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert count_rows(app, Ticket) == 0
    assert count_rows(app, TicketMessage) == 0 and count_rows(app, TicketAttachment) == 0


def test_a_worker_killed_while_issuing_an_invoice_leaves_a_draft_and_no_number(app, auth):
    app.config.update(SELLER)
    client_id = client_id_of(app, auth.create_client())
    invoice_id = make_draft(app, client_id)
    auth.create_admin(enrolled=True)
    result = run_killed_writer(app, "invoice", str(client_id), str(invoice_id))
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.number is None and invoice.issued_on is None
        assert db.session.scalars(sa.select(InvoiceSequence.last_number)).all() in ([], [0])
    # The next issue takes number 1 of the series: no gap left by the killed worker.
    make_issued_id = make_issued(app, client_id)
    with app.app_context():
        assert db.session.get(Invoice, make_issued_id).number.endswith("0001")
