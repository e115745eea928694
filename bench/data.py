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
from models.ticket import PRIORITIES, STATUSES, SUBJECTS, Ticket, TicketMessage
from models.user import ROLE_CLIENT, User
from services.passwords import hash_password

EXTRA_CLIENTS = 400
ACTIVITY_ROWS = 30_000
OUTBOX_ROWS = 3_000
TICKET_ROWS = 20_000
FIRST_CLIENT_TICKETS = 300  # the logged-in client's list pages on, and stays flat
BATCH = 2_000
BENCH_DOMAIN = "bench.demo.empcomputer.fr"

VOLUME_STEPS: list = []

_ACTIONS = ["auth.login", "auth.logout", "auth.login", "account.profile", "mail.sent"]
_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start : start + BATCH])


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
        [
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
        ],
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


def add_tickets(clients: list[tuple[int, int]], count: int, rng: random.Random) -> None:
    """``count`` tickets over the last two years, each with a client message and an answer."""
    now = utcnow()
    owners = [clients[0]] * FIRST_CLIENT_TICKETS + [
        rng.choice(clients) for _ in range(count - FIRST_CLIENT_TICKETS)
    ]
    rows = []
    for n, (client_id, user_id) in enumerate(owners):
        opened = now - timedelta(minutes=rng.randrange(60, 1_051_200))
        answered = opened + timedelta(minutes=rng.randrange(5, 600))
        rows.append(
            {
                "client_id": client_id,
                "subject": rng.choice(list(SUBJECTS)),
                "title": f"Demande {n} : l'imprimante ne répond plus",
                "priority": rng.choice(list(PRIORITIES)),
                "status": rng.choice(list(STATUSES)),
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
        sa.select(Ticket.id, Ticket.created_by_id, Ticket.created_at, Ticket.last_message_at)
    ).all()
    _insert(
        TicketMessage,
        [
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
        ],
    )


VOLUME_STEPS.append(lambda clients, rng: add_tickets(clients, TICKET_ROWS, rng))


def fill_volume(seed: int = 2026) -> dict:
    """Add the volume after the demo data; returns how many rows each table holds."""
    rng = random.Random(seed)
    add_clients(EXTRA_CLIENTS, rng)
    clients = db.session.execute(
        sa.select(Client.id, Client.user_id).where(Client.user_id.is_not(None)).order_by(Client.id)
    ).all()
    clients = [tuple(row) for row in clients]
    add_activity(clients, ACTIVITY_ROWS, rng)
    add_outbox(OUTBOX_ROWS, rng)
    for step in VOLUME_STEPS:
        step(clients=clients, rng=rng)
    db.session.commit()
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
