"""The benchmark's data: the demo data, then the volume of a few years of a small company.

Each area that adds a table appends to ``VOLUME_STEPS`` a function ``step(clients, rng)`` that
inserts its own rows in bulk for ``clients`` (a list of ``(client id, user id)``); the demo
clients come first in that list, so the pages logged in as the first demo client see a full
account.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from models import db, utcnow
from models.activity import ActivityLog
from models.client import CATEGORIES, Client
from models.mail import STATUS_SENT, OutboxMail
from models.ticket import (
    PRIORITIES,
    STATUS_CLOSED,
    STATUS_RESOLVED,
    STATUSES,
    SUBJECTS,
    Ticket,
    TicketMessage,
)
from models.user import ROLE_CLIENT, User
from services.passwords import hash_password

# The two data sets of ``make bench`` (at ``--scale 1``): a few years of a small company, and
# ten times its tickets and activity log. Every count is multiplied by the scale.
SMALL = {"clients": 2_000, "tickets": 100_000, "invoices": 20_000, "activity": 1_000_000}
LARGE = {**SMALL, "tickets": 1_000_000, "activity": 10_000_000}
EXTRA_CLIENTS = 400
ACTIVITY_ROWS = 30_000
OUTBOX_ROWS = 3_000
TICKET_ROWS = 20_000
FIRST_CLIENT_TICKETS = 300  # the logged-in client's list pages on, and stays flat
BATCH = 2_000
COMMIT_EVERY = 100_000  # rows: a transaction of millions of rows swells MariaDB's undo log
BENCH_DOMAIN = "bench.demo.empcomputer.fr"

VOLUME_STEPS: list = []

_ACTIONS = ["auth.login", "auth.logout", "auth.login", "account.profile", "mail.sent"]
_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def _insert(model, rows) -> None:
    """Insert ``rows`` (a list or any iterable of dicts) in batches, committing now and then."""
    batch, done = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(sa.insert(model), batch)
            done += len(batch)
            batch = []
            if done % COMMIT_EVERY == 0:
                db.session.commit()
    if batch:
        db.session.execute(sa.insert(model), batch)


def add_clients(count: int, rng: random.Random) -> None:
    """``count`` more client accounts with their client files."""
    password_hash = hash_password("Benchmark-Espace-Client-2026!")
    now = utcnow()
    _insert(
        User,
        [
            {
                "email": f"client{n}@{BENCH_DOMAIN}",
                "email_canonical": f"client{n}@{BENCH_DOMAIN}",
                "password_hash": password_hash,
                "role": ROLE_CLIENT,
                "email_verified_at": now,
                "created_at": now - timedelta(days=rng.randrange(1, 1500)),
                "session_version": 1,
                "is_enabled": True,
            }
            for n in range(count)
        ],
    )
    users = db.session.execute(
        sa.select(User.id, User.email_canonical).where(
            User.email_canonical.like(f"%@{BENCH_DOMAIN}")
        )
    ).all()
    _insert(
        Client,
        [
            {
                "user_id": user_id,
                "category": rng.choice(CATEGORIES),
                "first_name": rng.choice(["Jean", "Sophie", "Luc", "Nadia", "Hugo", "Inès"]),
                "last_name": f"Client{user_id}",
                "address_line1": f"{rng.randrange(1, 200)} avenue de la Plage",
                "postcode": "83400",
                "city": "Hyères",
                "country": "FR",
                "phone": f"+336{rng.randrange(10_000_000, 99_999_999)}",
                "created_at": now,
                "updated_at": now,
            }
            for user_id, _email in users
        ],
    )


def add_activity(clients: list[tuple[int, int]], count: int, rng: random.Random) -> None:
    """``count`` activity entries spread over the last year."""
    now = utcnow()
    _insert(
        ActivityLog,
        (
            {
                "created_at": now - timedelta(minutes=rng.randrange(1, 525_600)),
                "actor_id": (user_id := rng.choice(clients)[1]),
                "actor_role": ROLE_CLIENT,
                "action": rng.choice(_ACTIONS),
                "target_type": "user",
                "target_id": user_id,
                "ip": f"192.0.2.{rng.randrange(1, 255)}",
                "user_agent": _AGENT,
                "outcome": "success" if rng.random() > 0.05 else "failure",
                "detail": None,
            }
            for _ in range(count)
        ),
    )


def add_outbox(count: int, rng: random.Random) -> None:
    """``count`` mails already delivered, as the outbox keeps them (bodies blanked) 30 days."""
    now = utcnow()
    _insert(
        OutboxMail,
        [
            {
                "created_at": (sent := now - timedelta(minutes=rng.randrange(1, 43_200))),
                "recipient": f"client{rng.randrange(EXTRA_CLIENTS)}@{BENCH_DOMAIN}",
                "subject": "Votre intervention",
                "template": "bench",
                "status": STATUS_SENT,
                "attempts": 1,
                "next_attempt_at": sent,
                "sent_at": sent,
            }
            for _ in range(count)
        ],
    )


def add_tickets(
    clients: list[tuple[int, int]],
    count: int,
    rng: random.Random,
    first: int = 0,
    history: bool = False,
) -> None:
    """``count`` tickets over the last two years, each with a client message and an answer.

    As in a real help desk, only the tickets of the last month may still be open; the others
    are resolved or closed. ``first``: how many bench tickets exist already (a second call
    grows the data set); the first call gives the logged-in client its ``FIRST_CLIENT_TICKETS``.
    ``history``: the tickets of the years before (2 to 20 years ago), all closed: the large
    data set is the same company with ten times the history, not ten times the open work.
    """
    month_ago = utcnow() - timedelta(days=30)
    now = utcnow()
    chunk = 20_000
    for start in range(first, first + count, chunk):
        stop = min(start + chunk, first + count)
        after = db.session.scalar(sa.select(sa.func.max(Ticket.id))) or 0
        rows = []
        for n in range(start, stop):
            client_id, user_id = clients[0] if n < FIRST_CLIENT_TICKETS else rng.choice(clients)
            ago = rng.randrange(1_051_200, 10_512_000) if history else rng.randrange(60, 1_051_200)
            opened = now - timedelta(minutes=ago)
            answered = opened + timedelta(minutes=rng.randrange(5, 600))
            if answered < month_ago:
                status = rng.choice([STATUS_RESOLVED, STATUS_CLOSED, STATUS_CLOSED])
            else:
                status = rng.choice(list(STATUSES))
            rows.append(
                {
                    "client_id": client_id,
                    "subject": rng.choice(list(SUBJECTS)),
                    "title": f"Demande {n} : l'imprimante ne répond plus",
                    "priority": rng.choice(list(PRIORITIES)),
                    "status": status,
                    "created_by_id": user_id,
                    "idempotency_key": f"bench-{n}",
                    "created_at": opened,
                    "updated_at": answered,
                    "last_message_at": answered,
                    "last_client_message_at": opened,
                    "last_staff_message_at": answered,
                    "client_seen_at": answered if rng.random() > 0.3 else opened,
                    "staff_seen_at": answered,
                }
            )
        _insert(Ticket, rows)
        tickets = db.session.execute(
            sa.select(
                Ticket.id, Ticket.created_by_id, Ticket.created_at, Ticket.last_message_at
            ).where(Ticket.id > after)
        ).all()
        _insert(
            TicketMessage,
            (
                message
                for ticket in tickets
                for message in (
                    {
                        "ticket_id": ticket.id,
                        "kind": "message",
                        "author_id": ticket.created_by_id,
                        "from_staff": False,
                        "body": "<p>Bonjour, depuis ce matin l'imprimante ne répond plus.</p>",
                        "created_at": ticket.created_at,
                    },
                    {
                        "ticket_id": ticket.id,
                        "kind": "message",
                        "author_id": None,
                        "from_staff": True,
                        "body": "<p>Bonjour, pouvez-vous la redémarrer puis nous dire ?</p>",
                        "created_at": ticket.last_message_at,
                    },
                )
            ),
        )
        db.session.commit()


def add_invoices(clients: list[tuple[int, int]], count: int, rng: random.Random) -> None:
    """``count`` issued invoices of one line each, spread over the clients and three years."""
    from models.invoice import Invoice, InvoiceLine

    today = utcnow().date()
    after = db.session.scalar(sa.select(sa.func.max(Invoice.id))) or 0
    rows = []
    for n in range(count):
        client_id = clients[0][0] if n < 40 else rng.choice(clients)[0]
        issued = today - timedelta(days=rng.randrange(1, 1_000))
        amount = rng.randrange(3_000, 90_000)
        rows.append(
            {
                "client_id": client_id,
                "kind": "invoice",
                "status": "issued",
                "number": f"B{issued.year}-{n:06d}",
                "issued_on": issued,
                "due_on": issued + timedelta(days=30),
                "issued_at": utcnow(),
                "buyer_name": f"Client {client_id}",
                "buyer_address": "12 avenue de la Plage\n83400 Hyères",
                "total_excl_tax_cents": amount,
                "total_tax_cents": amount // 5,
                "total_incl_tax_cents": amount + amount // 5,
                "paid_cents": amount + amount // 5 if rng.random() > 0.1 else 0,
                "credited_cents": 0,
            }
        )
    _insert(Invoice, rows)
    ids = db.session.scalars(sa.select(Invoice.id).where(Invoice.id > after)).all()
    _insert(
        InvoiceLine,
        (
            {
                "invoice_id": invoice_id,
                "position": 1,
                "description": "Dépannage à domicile",
                "quantity_thousandths": 1_000,
                "unit_price_cents": 6_000,
                "vat_rate_bp": 2_000,
                "discount_bp": 0,
            }
            for invoice_id in ids
        ),
    )
    db.session.commit()


def _clients() -> list[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(Client.id, Client.user_id).where(Client.user_id.is_not(None)).order_by(Client.id)
    ).all()
    return [tuple(row) for row in rows]


def counts() -> dict:
    """How many rows each table holds."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def fill_volume(seed: int = 2026, scale: float = 1.0) -> dict:
    """Add the small data set (``SMALL`` times ``scale``) after the demo data; the row counts."""
    rng = random.Random(seed)
    size = {name: max(1, round(n * scale)) for name, n in SMALL.items()}
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
    add_clients(max(0, size["clients"] - existing), rng)
    clients = _clients()
    add_activity(clients, size["activity"], rng)
    db.session.commit()
    add_outbox(OUTBOX_ROWS, rng)
    add_tickets(clients, max(size["tickets"], FIRST_CLIENT_TICKETS), rng)
    add_invoices(clients, size["invoices"], rng)
    for step in VOLUME_STEPS:
        step(clients=clients, rng=rng)
    db.session.commit()
    return counts()


def grow_volume(seed: int = 2027, scale: float = 1.0) -> dict:
    """Grow the small data set into the large one (``LARGE``): more tickets and log entries."""
    rng = random.Random(seed)
    clients = _clients()
    small = {name: max(1, round(n * scale)) for name, n in SMALL.items()}
    large = {name: max(1, round(n * scale)) for name, n in LARGE.items()}
    add_activity(clients, large["activity"] - small["activity"], rng)
    db.session.commit()
    first = max(small["tickets"], FIRST_CLIENT_TICKETS)
    add_tickets(clients, large["tickets"] - small["tickets"], rng, first=first, history=True)
    db.session.commit()
    return counts()
