"""The tickets panels run a fixed number of queries, whatever the number of tickets."""

from __future__ import annotations

import pytest

from models import db
from services.data_rights import open_request
from tests.fixtures.devices import client_id_of
from tests.fixtures.tickets import add_staff_message, add_ticket


@pytest.fixture
def client_id(app, auth):
    """A client, and an admin who has answered nothing yet; the client's id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    return client_id


def add_tickets(app, client_id: int, how_many: int) -> None:
    """Tickets with a staff answer each, half of them with a data-rights request."""
    for n in range(how_many):
        ticket_id = add_ticket(app, client_id, title=f"Souci {n}")
        add_staff_message(app, ticket_id)
        if n % 2:
            with app.app_context():
                open_request(client_id, "access", ticket_id=ticket_id)
                db.session.commit()


@pytest.mark.parametrize(
    ("who", "path"),
    [("admin", "/admin"), ("admin", "/admin/clients/{client_id}"), ("client", "/account")],
)
def test_pages_with_tickets_panels_run_the_same_queries_at_2_and_20_tickets(
    app, client, auth, client_id, count_queries, who, path
):
    if who == "admin":
        auth.login("admin@example.fr", totp=True)
    else:
        auth.login()
    url = path.format(client_id=client_id)
    add_tickets(app, client_id, 2)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    add_tickets(app, client_id, 18)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count
