"""Load test: concurrent clients open tickets and reply, against gunicorn, then every answer is
checked against the database.

Each virtual client holds its own session (made by the app's login code, as bench/run.py does)
and loops: the new-ticket form, a new ticket, the ticket's page, a reply. Every form is sent
with its CSRF token, over HTTPS as the proxy says, to gunicorn with several sync workers on
production settings. At the end: every ticket and reply answered 2xx/3xx is in the database
exactly once, no 5xx, and the figures (requests per second, p50, p99 per kind of request).

    python bench/load.py                      # 50 clients, 60 s, 4 workers, SQLite and MariaDB
    python bench/load.py --seconds 10 --backends sqlite

The suite runs a 10-second version (tests/app/test_load.py). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import run  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TICKET_ID = re.compile(r"/tickets/(\d+)$")
LOAD_DOMAIN = "charge.demo.empcomputer.fr"


@dataclass
class Answer:
    kind: str  # "form", "ticket", "page", "reply"
    status: int
    seconds: float
    key: str = ""  # the ticket title or the reply text sent


@dataclass
class Report:
    backend: str
    seconds: float
    answers: list[Answer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"| {self.backend} | kind | requests | req/s | p50 ms | p99 ms | statuses |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for kind in ("form", "ticket", "page", "reply"):
            mine = [a for a in self.answers if a.kind == kind]
            if not mine:
                continue
            times = sorted(a.seconds * 1000 for a in mine)
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            statuses = ", ".join(
                f"{s}×{n}" for s, n in sorted(Counter(a.status for a in mine).items())
            )
            out.append(
                f"| | {kind} | {len(mine)} | {len(mine) / self.seconds:.1f} |"
                f" {statistics.median(times):.0f} | {p99:.0f} | {statuses} |"
            )
        return out


class VirtualClient:
    """One signed-in client's browser: keep-alive connection, session cookie, CSRF tokens."""

    def __init__(self, port: int, cookie: str, number: int):
        self.port, self.cookie, self.number = port, cookie, number
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.sent = 0

    def request(self, method: str, path: str, body: dict | None = None):
        headers = {**run.PROXY_HEADERS, "Cookie": self.cookie}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()  # a worker recycled the connection: one new try
                if attempt == 2:
                    raise
        name = self.cookie.split("=", 1)[0]
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith(f"{name}="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.headers, text

    def timed(self, answers: list, kind: str, method: str, path: str, body=None, key=""):
        started = time.perf_counter()
        status, headers, text = self.request(method, path, body)
        answers.append(Answer(kind, status, time.perf_counter() - started, key))
        return status, headers, text

    def loop(self, answers: list, stop: threading.Event) -> None:
        while not stop.is_set():
            self.sent += 1
            key = f"charge-{self.number}-{self.sent}"
            status, _, page = self.timed(answers, "form", "GET", "/tickets/new")
            token = CSRF.search(page)
            if status != 200 or not token:
                continue
            ticket = {
                "csrf_token": token.group(1),
                "subject": "hardware",
                "title": key,
                "priority": "normal",
                "device_id": "0",
                "body": f"Texte de {key}.",
                "idempotency_key": key,
            }
            status, headers, _ = self.timed(answers, "ticket", "POST", "/tickets/new", ticket, key)
            found = TICKET_ID.search(headers.get("Location") or "")
            if status != 303 or not found:
                continue
            path = f"/tickets/{found.group(1)}"
            status, _, page = self.timed(answers, "page", "GET", path)
            token = CSRF.search(page)
            if status != 200 or not token:
                continue
            reply = {
                "csrf_token": token.group(1),
                "body": f"Réponse {key}.",
                "idempotency_key": f"{key}-r",
            }
            self.timed(answers, "reply", "POST", f"{path}/reply", reply, f"Réponse {key}.")


def add_load_clients(app, count: int) -> list[str]:
    """``count`` client accounts with their files; their e-mail addresses."""
    from models import db, utcnow
    from models.client import Client
    from models.user import ROLE_CLIENT, User
    from services.passwords import hash_password

    emails = [f"charge{n}@{LOAD_DOMAIN}" for n in range(count)]
    with app.app_context():
        password_hash = hash_password("Charge-Espace-Client-2026!")
        for email in emails:
            user = User(
                email=email,
                email_canonical=email,
                password_hash=password_hash,
                role=ROLE_CLIENT,
                email_verified_at=utcnow(),
                session_version=1,
                is_enabled=True,
            )
            user.client = Client(category="particulier", first_name="Charge", last_name=email)
            db.session.add(user)
        db.session.commit()
    return emails


def check(app, answers: list[Answer]) -> list[str]:
    """What the database says about the answers: lost, doubled or unexpected rows, 5xx."""
    from models import db
    from models.ticket import Ticket, TicketMessage

    problems = [f"{a.kind} {a.key}: {a.status}" for a in answers if a.status >= 500]
    with app.app_context():
        titles = Counter(
            db.session.scalars(sa.select(Ticket.title).where(Ticket.title.like("charge-%")))
        )
        replies = Counter(
            text
            for (body,) in db.session.execute(
                sa.select(TicketMessage.body).where(TicketMessage.body.like("%Réponse charge-%"))
            )
            for text in re.findall(r"Réponse charge-\d+-\d+\.", body)
        )
    for name, stored, kind in (("ticket", titles, "ticket"), ("reply", replies, "reply")):
        accepted = {a.key for a in answers if a.kind == kind and a.status < 400}
        problems += [f"{name} {k} answered but not stored" for k in accepted - set(stored)]
        problems += [f"{name} {k} stored {n} times" for k, n in stored.items() if n > 1]
        problems += [f"{name} {k} stored but refused" for k in set(stored) - accepted]
    return problems


def load(backend: str, database_url: str, options, workdir: Path) -> Report:
    """Migrate, add the clients, serve with gunicorn, load, check."""
    instance = workdir / f"instance-{backend}"
    instance.mkdir()
    settings = run.production_settings(database_url, instance)
    env = run.environment(settings, instance)
    run.flask(env, "db", "upgrade")
    app = run.in_process_app(settings, instance)
    emails = add_load_clients(app, options.clients)
    cookies = [run.session_cookie(app, "client", email) for email in emails]
    report = Report(backend, options.seconds)
    with run.Server(
        "bench.wsgi:application", env, workdir, "/health", workers=options.workers
    ) as server:
        clients = [VirtualClient(server.port, c, n) for n, c in enumerate(cookies)]
        stop = threading.Event()
        errors: list[str] = []

        def drive(client: VirtualClient):
            try:
                client.loop(report.answers, stop)
            except Exception as error:  # noqa: BLE001 - a transport failure is a finding
                errors.append(f"client {client.number}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=drive, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        time.sleep(options.seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
        report.problems += errors
    report.problems += check(app, report.answers)
    with app.app_context():
        from models import db

        db.engine.dispose()
    return report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="duration of the load (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument("--backends", default="sqlite,mariadb")
    parser.add_argument("--mariadb-url", default=run.DEFAULT_MARIADB_URL)
    return parser.parse_args(argv)


def main(argv=None) -> list[Report]:
    options = parse_args(argv)
    reports = []
    with tempfile.TemporaryDirectory(prefix="espace-client-load-") as tmp:
        workdir = Path(tmp)
        try:
            for backend in options.backends.split(","):
                if backend == "sqlite":
                    url = f"sqlite:///{workdir / 'load.sqlite'}"
                    reports.append(load("SQLite", url, options, workdir))
                else:
                    url = options.mariadb_url
                    problem = run.prepare_mariadb(url)
                    if problem:
                        raise SystemExit(f"MariaDB injoignable : {problem}")
                    try:
                        reports.append(load("MariaDB", url, options, workdir))
                    finally:
                        run.drop_every_table(url)
        finally:
            run.stop_all()
    return reports


if __name__ == "__main__":
    found = main()
    failed = False
    for report in found:
        print("\n".join(report.lines()))
        for problem in report.problems[:20]:
            print(f"  ✗ {problem}")
        if report.problems:
            failed = True
            print(f"  {len(report.problems)} problème(s)")
        else:
            print("  ✓ chaque réponse 2xx/3xx est en base, une seule fois ; aucune erreur 5xx")
    sys.exit(1 if failed else 0)
