"""The admins' queue: filters kept in the URL, sorting, pages, bulk actions, data-rights deadlines."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.activity import ActivityLog
from models.ticket import Ticket
from models.user import User
from services.activity import CLIENT_VIEWED
from services.data_rights import open_request
from tests.fixtures.accounts import page_text
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.tickets import add_ticket, get_ticket, messages_of


@pytest.fixture
def clients(app, auth):
    """Two clients, and an admin logged in with their second factor; the client ids."""
    first = client_id_of(app, auth.create_client(last_name="Durand"))
    second = client_id_of(app, auth.create_client(email="autre@example.fr", last_name="Petit"))
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return first, second


def admin_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == "admin@example.fr"))


def set_ticket(app, ticket_id, **values):
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        for name, value in values.items():
            setattr(ticket, name, value)
        db.session.commit()


def test_the_queue_is_for_admins_only(app, client, auth):
    client_id_of(app, auth.create_client())
    assert client.get("/admin/tickets").status_code == 302  # anonymous: to the login page
    auth.login()
    assert client.get("/admin/tickets").status_code == 404


def test_the_queue_shows_open_tickets_of_every_client(app, client, clients):
    add_ticket(app, clients[0], title="Panne imprimante")
    add_ticket(app, clients[1], title="Wi-Fi lent")
    closed = add_ticket(app, clients[1], title="Vieux souci")
    set_ticket(app, closed, status="closed")
    text = page_text(client.get("/admin/tickets"))
    assert "Panne imprimante" in text and "Wi-Fi lent" in text and "Vieux souci" not in text
    assert "Durand" in text and "Petit" in text
    assert "Vieux souci" in page_text(client.get("/admin/tickets?state=all"))


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("subject=network", "Wi-Fi lent", "Panne imprimante"),
        ("priority=urgent", "Wi-Fi lent", "Panne imprimante"),
        ("q=imprim", "Panne imprimante", "Wi-Fi lent"),
        ("q=100%25", "Aucun ticket ne correspond", "Wi-Fi lent"),
        ("assignee=me", "Panne imprimante", "Wi-Fi lent"),
        ("assignee=none", "Wi-Fi lent", "Panne imprimante"),
        ("state=waiting_client", "Aucun ticket ne correspond", "Wi-Fi lent"),
        ("unread=1", "Wi-Fi lent", "Panne imprimante"),
    ],
)
def test_filters(app, client, clients, query, shown, hidden):
    printer = add_ticket(app, clients[0], title="Panne imprimante")
    add_ticket(app, clients[1], title="Wi-Fi lent", subject="network", priority="urgent")
    set_ticket(app, printer, assignee_id=admin_id(app), staff_seen_at=utcnow() + timedelta(hours=1))
    text = page_text(client.get(f"/admin/tickets?{query}"))
    assert shown in text and hidden not in text


def test_a_client_filter_shows_only_that_client(app, client, clients):
    add_ticket(app, clients[0], title="Panne imprimante")
    add_ticket(app, clients[1], title="Wi-Fi lent")
    text = page_text(client.get(f"/admin/tickets?client={clients[1]}"))
    assert "Wi-Fi lent" in text and "Panne imprimante" not in text


def views_logged(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(ActivityLog.target_id, ActivityLog.detail)
            .where(ActivityLog.action == CLIENT_VIEWED)
            .order_by(ActivityLog.id)
        )
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("headers", [None, HTMX], ids=["page", "fragment"])
def test_the_queue_filtered_on_a_client_names_them_and_logs_the_view(app, client, clients, headers):
    add_ticket(app, clients[0], title="Panne imprimante")
    response = client.get(f"/admin/tickets?client={clients[0]}&state=all", headers=headers)
    assert "Panne imprimante" in page_text(response)
    assert views_logged(app) == [(clients[0], "section=tickets")]
    if headers is None:
        text = re.sub(r"<[^>]+>", "", page_text(response))
        assert "Client : Marie Durand" in text and "Voir tous les clients" in text


def test_the_queue_of_every_client_logs_no_view_of_one(app, client, clients):
    add_ticket(app, clients[0])
    client.get("/admin/tickets")
    client.get("/admin/tickets?client=999999")
    assert views_logged(app) == []


def test_the_filters_answer_a_fragment_for_htmx(app, client, clients):
    add_ticket(app, clients[0], title="Panne imprimante")
    response = client.get("/admin/tickets?state=all", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="queue-results">')
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    "query",
    [
        "state=perdu",
        "assignee=abc",
        "client=-1",
        "client=99999999999999999999",
        "sort=x",
        "after=nimportequoi",
        "after=--1",
        "q=%00%1b",
        "priority=%F0%9F%90%8D",
        "unread=oui",
    ],
)
def test_unreadable_filters_fall_back_to_their_defaults(app, client, clients, query):
    add_ticket(app, clients[0], title="Panne imprimante")
    for headers in ({}, HTMX):
        assert client.get(f"/admin/tickets?{query}", headers=headers).status_code == 200


@pytest.mark.settings(PAGE_SIZE=2)
@pytest.mark.parametrize("sort", ["activity", "waiting"])
def test_pages_follow_each_other_without_gap_or_repeat(app, client, clients, sort):
    for n in range(5):
        ticket_id = add_ticket(app, clients[0], title=f"Ticket {n}")
        moment = utcnow() - timedelta(hours=10 - n)
        set_ticket(app, ticket_id, last_message_at=moment, last_client_message_at=moment)
    seen, pages = [], 0
    url = f"/admin/tickets?sort={sort}"
    headers = {}
    while url:
        html = client.get(url, headers=headers).get_data(as_text=True)
        pages += 1
        seen += re.findall(r"Ticket (\d)</a>", html)
        more = re.search(r'hx-get="(/admin/tickets\?[^"]+)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
        headers = HTMX
    expected = ["4", "3", "2", "1", "0"] if sort == "activity" else ["0", "1", "2", "3", "4"]
    assert seen == expected
    assert pages == 3


@pytest.mark.settings(PAGE_SIZE=2)
def test_a_later_page_opened_as_a_page_leads_back_to_the_most_recent(app, client, clients):
    for n in range(3):
        add_ticket(app, clients[0], title=f"Ticket {n}", subject="hardware")
    first = client.get("/admin/tickets?subject=hardware").get_data(as_text=True)
    assert "Tickets les plus récents" not in first
    later = re.search(r'<a href="(/admin/tickets\?[^"]*after=[^"]+)"', first).group(1)
    html = client.get(later.replace("&amp;", "&")).get_data(as_text=True)
    assert "Ticket 0</a>" in html and "Ticket 2</a>" not in html
    assert '<a href="/admin/tickets?subject=hardware">← Tickets les plus récents</a>' in html


def test_a_data_rights_request_stands_out_with_its_days_left(app, client, clients):
    ticket_id = add_ticket(app, clients[0], title="Supprimer mon compte", subject="erasure")
    with app.app_context():
        open_request(clients[0], "erasure", ticket_id=ticket_id)
        db.session.commit()
    text = page_text(client.get("/admin/tickets"))
    assert re.search(r"Effacement \(suppression de l'espace client\) · \d+ jours restants", text)


def bulk(client, ids, action, query=""):
    token = csrf_token_from(client.get("/admin/tickets?state=all").get_data(as_text=True))
    return client.post(
        f"/admin/tickets/bulk{query}",
        data={"csrf_token": token, "action": action, "ticket_ids": [str(i) for i in ids]},
    )


def test_bulk_assign_and_status_write_events_in_each_conversation(app, client, clients):
    ids = [add_ticket(app, clients[0]), add_ticket(app, clients[1])]
    response = bulk(client, ids, "assign_me", "?subject=hardware")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/tickets?subject=hardware")
    assert [get_ticket(app, i).assignee_id for i in ids] == [admin_id(app)] * 2
    bulk(client, ids, "status:resolved")
    assert [get_ticket(app, i).status for i in ids] == ["resolved", "resolved"]
    assert messages_of(app, ids[0])[-1] == ("event", True, "status:new:resolved")
    again = bulk(client, ids, "status:resolved")
    assert "2 tickets laissés tels quels" in page_text(client.get(again.headers["Location"]))


def another_admin(app, auth, **values) -> int:
    user_id = auth.create_admin(email="collegue@example.fr")
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()
    return user_id


def test_bulk_gives_tickets_to_another_admin(app, client, auth, clients):
    colleague = another_admin(app, auth, display_name="Camille Martin")
    ids = [add_ticket(app, clients[0]), add_ticket(app, clients[1])]
    assert "Attribuer à Camille Martin" in page_text(client.get("/admin/tickets"))
    bulk(client, ids, f"assign:{colleague}")
    assert [get_ticket(app, i).assignee_id for i in ids] == [colleague] * 2
    assert messages_of(app, ids[1])[-1] == ("event", True, f"assigned:{colleague}")


@pytest.mark.parametrize("who", ["disabled", "client", "unknown"])
def test_bulk_gives_tickets_only_to_an_enabled_admin(app, client, auth, clients, who):
    if who == "disabled":
        target = another_admin(app, auth, is_enabled=False)
    elif who == "client":
        target = auth.create_client(email="client2@example.fr")
    else:
        target = 999999
    ticket_id = add_ticket(app, clients[0])
    response = bulk(client, [ticket_id], f"assign:{target}")
    assert "Choisissez une action dans la liste." in page_text(
        client.get(response.headers["Location"])
    )
    assert get_ticket(app, ticket_id).assignee_id is None


@pytest.mark.parametrize(
    ("action", "ids", "message"),
    [
        ("", [1], "Choisissez une action."),
        ("explode", [1], "Choisissez une action dans la liste."),
        ("assign_me", [], "Cochez au moins un ticket."),
    ],
)
def test_bulk_refusals_are_said(app, client, clients, action, ids, message):
    add_ticket(app, clients[0])
    response = bulk(client, ids, action)
    assert message in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    "query",
    [
        "?endpoint=admin.home&subject=hardware",
        "?_method=DELETE&subject=hardware",
        "?_external=1&_scheme=javascript&subject=hardware",
        "?values=1&subject=hardware&after=--1",
    ],
)
def test_bulk_goes_back_to_the_queue_with_its_filters_only(app, client, clients, query):
    ticket_id = add_ticket(app, clients[0])
    response = bulk(client, [ticket_id], "assign_me", query)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/tickets?subject=hardware"
    assert get_ticket(app, ticket_id).assignee_id == admin_id(app)


def test_bulk_says_how_many_checked_tickets_were_past_its_limit(app, client, clients, monkeypatch):
    monkeypatch.setattr("blueprints.tickets.admin_routes.BULK_MAX", 2)
    ids = [add_ticket(app, clients[0]) for _ in range(3)]
    response = bulk(client, [ids[0], ids[0], *ids], "assign_me")  # a repeated box counts once
    text = page_text(client.get(response.headers["Location"]))
    assert "2 tickets modifiés." in text
    assert "2 tickets au plus par action : 1 ticket coché n'a pas été modifié." in text
    assert [get_ticket(app, i).assignee_id is not None for i in ids] == [True, True, False]


def test_bulk_ignores_ids_that_are_not_numbers(app, client, clients):
    ticket_id = add_ticket(app, clients[0])
    response = bulk(client, [ticket_id, "abc", "-3", "9" * 30], "assign_me")
    assert response.status_code == 303
    assert get_ticket(app, ticket_id).assignee_id == admin_id(app)


def test_the_queue_runs_the_same_queries_at_5_and_50_tickets(app, client, clients, count_queries):
    for n in range(5):
        add_ticket(app, clients[n % 2], title=f"Ticket {n}")
    client.get("/admin/tickets")
    with count_queries() as small:
        client.get("/admin/tickets")
    for n in range(45):
        ticket_id = add_ticket(app, clients[n % 2], title=f"Autre {n}")
        with app.app_context():
            open_request(clients[n % 2], "access", ticket_id=ticket_id)
            db.session.commit()
    with count_queries() as large:
        client.get("/admin/tickets")
    assert large.count == small.count
