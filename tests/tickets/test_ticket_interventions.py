"""Interventions offered on an admin's ticket page, as the admin reads dates: Paris time."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fixtures.accounts import page_text
from tests.fixtures.devices import add_intervention, client_id_of
from tests.fixtures.tickets import add_ticket


@pytest.fixture
def client_id(app, auth):
    """A client, and an admin logged in with their second factor; the client's id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


@pytest.mark.parametrize(
    ("starts_at", "shown"),
    [
        (datetime(2026, 3, 10, 23, 30), "11 mars 2026, 00:30"),  # winter: UTC+1
        (datetime(2026, 7, 1, 7, 0), "1 juil. 2026, 09:00"),  # summer: UTC+2
    ],
)
def test_interventions_to_link_are_dated_in_paris_time(app, client, client_id, starts_at, shown):
    add_intervention(app, client_id, starts_at=starts_at, description="Remplacement du disque")
    ticket_id = add_ticket(app, client_id)
    text = page_text(client.get(f"/admin/tickets/{ticket_id}"))
    assert f"{shown} — Remplacement du disque" in text
