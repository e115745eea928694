"""The dashboard, the profile and the admin client list run a fixed number of queries."""

from datetime import datetime, timedelta

import pytest

from models import db
from models.activity import ActivityLog
from models.user import User
from services.activity_seal import SEAL_STATEMENTS
from tests.fixtures.devices import add_device, add_intervention, add_licence
from tests.fixtures.http import HTMX
from tests.fixtures.users import make_user


def add_history(app, client_id: int, how_many: int) -> None:
    with app.app_context():
        for n in range(how_many):
            db.session.add(
                ActivityLog(
                    action="profile.updated",
                    target_type="client",
                    target_id=client_id,
                    actor_role="client",
                    detail=f"section=contact fields=city,phone n={n}",
                )
            )
        db.session.commit()


def add_clients(app, start: int, how_many: int) -> None:
    for n in range(start, start + how_many):
        make_user(
            app,
            email=f"client{n}@example.fr",
            last_name=f"Nom{n:03d}",
            company_name=f"Société {n}",
            category="professionnel",
            phone="+33612345678",
        )


def add_devices_and_interventions(app, client_id: int, start: int, how_many: int) -> None:
    """Devices, licences and interventions of one client: the dashboard panels grow with them."""
    for n in range(start, start + how_many):
        device_id = add_device(app, client_id, name=f"PC {n:03d}", serial=f"SN-{n}")
        add_licence(app, client_id, product=f"Logiciel {n:03d}", device_id=device_id)
        add_intervention(
            app,
            client_id,
            starts_at=datetime(2026, 1, 1) + timedelta(hours=n),
            device_ids=[device_id],
        )


def counts_with_3_then_60(queries, client, url, add_records, headers=None) -> tuple[int, int]:
    add_records(0, 3)
    client.get(url, headers=headers)  # warm-up: first-request work is not the page's
    small = queries.count(lambda: client.get(url, headers=headers))
    add_records(3, 57)
    large = queries.count(lambda: client.get(url, headers=headers))
    return small, large


@pytest.mark.parametrize("url", ["/account", "/account/profile", "/account/profile/history"])
def test_client_pages_run_a_fixed_number_of_queries(app, client, auth, queries, url):
    user_id = auth.create_client()
    auth.login()
    with app.app_context():
        client_id = db.session.get(User, user_id).client.id

    def add_records(start, how_many):
        add_history(app, client_id, how_many)
        add_clients(app, 1000 + start, how_many)
        add_devices_and_interventions(app, client_id, start, how_many)

    small, large = counts_with_3_then_60(queries, client, url, add_records)
    assert small == large
    # The session's user, then at most one query per area panel (tickets, interventions,
    # devices, contracts, invoices on the dashboard).
    assert large <= 6, queries.statements


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/admin/clients", None),
        ("/admin/clients", HTMX),
        ("/admin/clients?q=nom", HTMX),
        ("/admin/clients?q=06+12", HTMX),
        ("/admin", None),
    ],
)
def test_admin_client_list_runs_a_fixed_number_of_queries(app, client, auth, queries, url, headers):
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)

    def add_records(start, how_many):
        add_clients(app, start, how_many)

    small, large = counts_with_3_then_60(queries, client, url, add_records, headers)
    assert small == large
    seal_panel = 1 if url == "/admin" else 0  # is the activity log's seal behind?
    tickets_panel = 2 if url == "/admin" else 0  # ticket counts; data-rights deadlines
    assert large <= 4 + seal_panel + tickets_panel, queries.statements


def test_next_page_of_the_client_list_adds_one_query(app, client, auth, queries):
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)
    add_clients(app, 0, 60)
    first = queries.count(lambda: client.get("/admin/clients", headers=HTMX))
    html = client.get("/admin/clients", headers=HTMX).get_data(as_text=True)
    after = html.split("after=")[1].split('"')[0]
    second = queries.count(lambda: client.get(f"/admin/clients?after={after}", headers=HTMX))
    assert second == first + 1


def test_admin_client_page_runs_a_fixed_number_of_queries(app, client, auth, queries):
    user_id = auth.create_client()
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)
    with app.app_context():
        client_id = db.session.get(User, user_id).client.id
    url = f"/admin/clients/{client_id}"

    def add_records(start, how_many):
        add_history(app, client_id, how_many)
        add_devices_and_interventions(app, client_id, start, how_many)

    small, large = counts_with_3_then_60(queries, client, url, add_records)
    assert small == large
    # The page logs the view (admin.client_viewed), sealed in the same commit; each area's
    # panel (devices, interventions, tickets, contracts, invoices) costs one query at most, the
    # retention panel two (the clock, a legal hold).
    assert large <= 13 + SEAL_STATEMENTS, queries.statements
    # The commit of the log entry keeps the client and the admin it loaded: no second read.
    client_reads = [s for s in queries.statements if s.startswith("SELECT client.id")]
    assert len(client_reads) == 1, client_reads
