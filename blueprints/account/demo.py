"""Demo data of the profile: a few past changes in each demo client's profile history."""

from __future__ import annotations

from datetime import timedelta

from models import db, utcnow
from models.activity import ActivityLog
from models.client import Client
from models.user import ROLE_ADMIN, ROLE_CLIENT, User


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
