"""``flask --app app clients ...``: upkeep of the client files; demo data of the profile area."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from commands.demo import DEMO_STEPS
from models import db, utcnow
from models.activity import ActivityLog
from models.client import Client
from models.client_search import refresh_search_index
from models.user import ROLE_ADMIN, ROLE_CLIENT, User

clients = AppGroup("clients", help="Fiches clients.")

BATCH = 500


@clients.command("reindex")
def reindex() -> None:
    """Reconstruit l'index de recherche et les clés de tri des clients (après un import, une mise à jour)."""
    last_id, done = 0, 0
    while True:
        batch = db.session.scalars(
            sa.select(Client).where(Client.id > last_id).order_by(Client.id).limit(BATCH)
        ).all()
        if not batch:
            break
        for client in batch:
            refresh_search_index(client)
        db.session.commit()
        last_id, done = batch[-1].id, done + len(batch)
    click.echo(f"{done} fiches clients réindexées.")


def demo_profile_history(admin: User, clients: list[Client]) -> None:
    """Demo: a few past changes in each demo client's profile history."""
    now = utcnow()
    changes = [
        (3, "identity", "birth_date", ROLE_CLIENT),
        (2, "contact", "address_line1,postcode,city", ROLE_CLIENT),
        (1, "contact", "phone", ROLE_ADMIN),
    ]
    for client in clients:
        for days, section, fields, role in changes:
            db.session.add(
                ActivityLog(
                    created_at=now - timedelta(days=days),
                    actor_id=admin.id if role == ROLE_ADMIN else client.user.id,
                    actor_role=role,
                    action="profile.updated",
                    target_type="client",
                    target_id=client.id,
                    detail=f"section={section} fields={fields}",
                )
            )


DEMO_STEPS.append(demo_profile_history)
