"""Ticket attachments: kept in the file store with their message, downloaded only by the
ticket's client (never an internal note's file) and by admins, with safe headers; a request
too large answers the French 413 page and leaves htmx forms as typed."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import render_template

from blueprints.tickets.attachments import (
    attachment_problems,
    attachments_by_message,
    client_usage,
    store_attachments,
)
from blueprints.tickets.rules import add_message, open_ticket
from models import db
from models.activity import ActivityLog
from models.client import Client
from models.ticket import KIND_NOTE, Ticket, TicketAttachment, TicketMessage
from models.user import User
from services import file_store
from services.activity import CLIENT_VIEWED
from tests.fixtures import attachments as samples
from tests.fixtures.attachments import sent
from tests.fixtures.database import count_rows
from tests.fixtures.http import HTMX

MB = 1024 * 1024
LOG = b"2026-12-03 07:00 ERREUR : disque plein\n"


@dataclass
class ClientTicket:
    """A client's ticket with a file sent by the client and one on an admin's internal note."""

    user_id: int
    client_id: int
    ticket_id: int
    message_id: int
    file_id: int  # sent by the client with the first message
    note_file_id: int  # joined by an admin to an internal note


@dataclass
class Tickets:
    me: ClientTicket
    other: ClientTicket
    admin_id: int
    admin_email: str = "admin@example.fr"


def client_of(user_id: int) -> Client:
    return db.session.scalar(sa.select(Client).where(Client.user_id == user_id))


def make_ticket(app, user_id: int, admin_id: int, filename="journal.txt") -> ClientTicket:
    with app.app_context():
        user, admin = db.session.get(User, user_id), db.session.get(User, admin_id)
        client = client_of(user_id)
        ticket = open_ticket(
            client, subject="hardware", title="Écran noir", body="<p>Bonjour</p>", author=user
        )
        first = ticket.messages[0]
        [mine] = store_attachments(ticket, first, [sent(filename, LOG)], uploaded_by=user)
        note = add_message(ticket, author=admin, body="<p>RAM</p>", from_staff=True, kind=KIND_NOTE)
        [internal] = store_attachments(
            ticket, note, [sent("diagnostic.pdf", samples.pdf())], uploaded_by=admin
        )
        db.session.commit()
        return ClientTicket(user_id, client.id, ticket.id, first.id, mine.id, internal.id)


@pytest.fixture
def tickets(app, auth) -> Tickets:
    admin_id = auth.create_admin(enrolled=True)
    me = make_ticket(app, auth.create_client(email="client@example.fr"), admin_id)
    other = make_ticket(app, auth.create_client(email="autre@example.fr"), admin_id)
    return Tickets(me, other, admin_id)


def client_url(ticket_id: int, attachment_id: int) -> str:
    return f"/tickets/{ticket_id}/attachments/{attachment_id}"


def admin_url(ticket_id: int, attachment_id: int) -> str:
    return f"/admin/tickets/{ticket_id}/attachments/{attachment_id}"


def download(client, url: str, **options):
    """GET ``url`` and read the whole answer; the file it streamed is closed."""
    response = client.get(url, **options)
    response.get_data()
    response.close()
    return response


def entries(app, action: str) -> list[ActivityLog]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ActivityLog).where(ActivityLog.action == action).order_by(ActivityLog.id)
        ).all()
        db.session.expunge_all()
        return rows


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["FILE_STORE"]).rglob("*") if p.is_file())


# --- Keeping files -------------------------------------------------------------------------


def test_files_are_kept_with_their_message_client_hash_and_sniffed_type(app, tickets):
    with app.app_context():
        attachment = db.session.get(TicketAttachment, tickets.me.file_id)
        assert attachment.ticket_id == tickets.me.ticket_id
        assert attachment.message_id == tickets.me.message_id
        assert attachment.client_id == tickets.me.client_id
        assert attachment.uploaded_by_id == tickets.me.user_id
        assert (attachment.filename, attachment.content_type) == ("journal.txt", "text/plain")
        assert attachment.size == len(LOG)
        path = file_store.path(attachment.stored_name)
        assert path.read_bytes() == LOG
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "static" not in path.parts
        assert attachment.sha256 == hashlib.sha256(LOG).hexdigest()


def test_the_store_is_outside_static_under_the_instance(app):
    assert app.config["FILE_STORE"].startswith(app.instance_path)


def _new_files(app, tickets, files):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        message = db.session.get(TicketMessage, tickets.me.message_id)
        user = db.session.get(User, tickets.me.user_id)
        made = store_attachments(ticket, message, files, uploaded_by=user)
        return ticket, made


def test_files_of_a_transaction_that_rolls_back_leave_the_store(app, tickets):
    before = set(stored_files(app))
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        user = db.session.get(User, tickets.me.user_id)
        message = db.session.get(TicketMessage, tickets.me.message_id)
        store_attachments(ticket, message, [sent("a.png", samples.png())], uploaded_by=user)
        assert len(set(stored_files(app)) - before) == 1
        db.session.rollback()
    assert set(stored_files(app)) == before
    assert count_rows(app, TicketAttachment) == 4


def test_files_of_a_request_that_ends_without_commit_leave_the_store(app, tickets):
    before = set(stored_files(app))
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        user = db.session.get(User, tickets.me.user_id)
        store_attachments(ticket, None, [sent("a.png", samples.png())], uploaded_by=user)
    # The app context ended: its session was removed without a commit.
    assert set(stored_files(app)) == before


def test_committed_files_stay_and_a_later_rollback_keeps_them(app, tickets):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        user = db.session.get(User, tickets.me.user_id)
        [made] = store_attachments(ticket, None, [sent("a.png", samples.png())], uploaded_by=user)
        path = file_store.path(made.stored_name)
        db.session.commit()
        db.session.get(Ticket, tickets.me.ticket_id).title = "changé"
        db.session.rollback()
        assert path.exists()


def test_a_savepoint_rolled_back_leaves_the_files_to_the_outer_transaction(app, tickets):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        user = db.session.get(User, tickets.me.user_id)
        [made] = store_attachments(ticket, None, [sent("a.png", samples.png())], uploaded_by=user)
        path = file_store.path(made.stored_name)
        savepoint = db.session.begin_nested()
        db.session.get(Ticket, tickets.me.ticket_id).title = "essai"
        savepoint.rollback()
        assert path.exists()
        db.session.commit()
    assert path.exists()
    assert count_rows(app, TicketAttachment) == 5


def test_a_refused_file_stores_nothing_not_even_the_good_files_before_it(app, tickets):
    before = set(stored_files(app))
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        user = db.session.get(User, tickets.me.user_id)
        files = [sent("a.png", samples.png()), sent("page.pdf", b"<html><script>x</script>")]
        with pytest.raises(ValueError):
            store_attachments(ticket, None, files, uploaded_by=user)
        db.session.commit()
    assert set(stored_files(app)) == before
    assert count_rows(app, TicketAttachment) == 4


def test_a_message_of_another_ticket_is_refused(app, tickets):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        foreign = db.session.get(TicketMessage, tickets.other.message_id)
        with pytest.raises(ValueError):
            store_attachments(ticket, foreign, [sent("a.png", samples.png())], uploaded_by=None)


def test_the_empty_part_of_a_form_without_files_makes_nothing(app, tickets):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        assert store_attachments(ticket, None, [sent("", b"")], uploaded_by=None) == []


# --- Limits and quota ----------------------------------------------------------------------


def test_client_usage_sums_only_that_clients_files_in_one_query(app, tickets, count_queries):
    expected = len(LOG) + len(samples.pdf())
    with app.app_context():
        with count_queries() as counter:
            assert client_usage(tickets.me.client_id) == expected
        assert counter.count == 1
        assert client_usage(tickets.other.client_id) == expected
        assert client_usage(999_999) == 0


@pytest.mark.settings(
    TICKET_ATTACHMENT_MAX_FILES=2,
    TICKET_ATTACHMENT_MAX_BYTES=MB,
    TICKET_ATTACHMENT_QUOTA_BYTES=3 * MB,
)
def test_problems_follow_the_settings(app, tickets):
    with app.test_request_context():
        three = [sent(f"p{i}.png", samples.png()) for i in range(3)]
        assert attachment_problems(three, tickets.me.client_id) == [
            "Vous pouvez joindre 2 fichiers au plus à la fois ; vous en avez choisi 3."
        ]
        big = [sent("scan.pdf", samples.pdf() + b"0" * (2 * MB))]
        assert attachment_problems(big, tickets.me.client_id)[0].startswith(
            "« scan.pdf » pèse 2 Mo : la limite est de 1 Mo par fichier."
        )


@pytest.mark.settings(TICKET_ATTACHMENT_QUOTA_BYTES=2 * MB)
def test_the_quota_counts_what_the_client_already_sent(app, tickets):
    with app.test_request_context():
        files = [sent("journal.log", b"x" * (2 * MB - 100))]
        [problem] = attachment_problems(files, tickets.me.client_id)
        assert problem.startswith("Il vous reste ")
        assert attachment_problems([sent("petit.txt", b"x" * 100)], tickets.me.client_id) == []


def test_no_files_no_problem_and_no_query(app, tickets, count_queries):
    with app.test_request_context():
        with count_queries() as counter:
            assert attachment_problems([sent("", b"")], tickets.me.client_id) == []
        assert counter.count == 0


# --- Downloads -----------------------------------------------------------------------------


def test_client_downloads_their_file_with_safe_headers(app, client, auth, tickets):
    auth.login("client@example.fr")
    response = download(client, client_url(tickets.me.ticket_id, tickets.me.file_id))
    assert response.status_code == 200
    assert response.data == LOG
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=journal.txt"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert int(response.headers["Content-Length"]) == len(LOG)


def test_the_download_is_logged(app, client, auth, tickets):
    auth.login("client@example.fr")
    download(client, client_url(tickets.me.ticket_id, tickets.me.file_id))
    [entry] = entries(app, "ticket.attachment_downloaded")
    assert entry.actor_id == tickets.me.user_id
    assert (entry.target_type, entry.target_id) == ("ticket_attachment", tickets.me.file_id)


def test_a_non_ascii_name_is_given_as_rfc_5987(app, client, auth, tickets):
    made = make_ticket(
        app, auth.create_client(email="trois@example.fr"), tickets.admin_id, "Relevé d'été.txt"
    )
    auth.login("trois@example.fr")
    response = download(client, client_url(made.ticket_id, made.file_id))
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Releve d'ete.txt\"; filename*=UTF-8''Relev%C3%A9%20d%27%C3%A9t%C3%A9.txt"
    )


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("lancer.bat", "lancer.bat.txt"),
        ("page.html", "page.html.txt"),
        ("journal.log", "journal.log"),
    ],
)
def test_the_offered_name_ends_as_what_the_file_is(app, client, auth, tickets, name, offered):
    made = make_ticket(app, auth.create_client(email="trois@example.fr"), tickets.admin_id, name)
    auth.login("trois@example.fr")
    response = download(client, client_url(made.ticket_id, made.file_id))
    assert response.headers["Content-Disposition"] == f"attachment; filename={offered}"


def _other_cases(t: Tickets):
    return {
        "another client's file": (t.other.ticket_id, t.other.file_id),
        "another client's file under my ticket": (t.me.ticket_id, t.other.file_id),
        "my file under another client's ticket": (t.other.ticket_id, t.me.file_id),
        "an internal note's file": (t.me.ticket_id, t.me.note_file_id),
        "no such file": (t.me.ticket_id, 999_999),
    }


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
@pytest.mark.parametrize(
    "case",
    [
        "another client's file",
        "another client's file under my ticket",
        "my file under another client's ticket",
        "an internal note's file",
        "no such file",
    ],
)
def test_a_client_gets_404_for_any_file_not_theirs_to_see(
    app, client, auth, tickets, case, headers
):
    auth.login("client@example.fr")
    ticket_id, attachment_id = _other_cases(tickets)[case]
    response = download(client, client_url(ticket_id, attachment_id), headers=headers)
    assert response.status_code == 404
    assert entries(app, "ticket.attachment_downloaded") == []


def test_a_client_downloads_a_file_an_admin_joined_to_a_reply(app, client, auth, tickets):
    with app.app_context():
        ticket = db.session.get(Ticket, tickets.me.ticket_id)
        admin = db.session.get(User, tickets.admin_id)
        reply = add_message(ticket, author=admin, body="<p>Voici la notice</p>", from_staff=True)
        [notice] = store_attachments(
            ticket, reply, [sent("notice.pdf", samples.pdf())], uploaded_by=admin
        )
        db.session.commit()
        notice_id = notice.id
    auth.login("client@example.fr")
    response = download(client, client_url(tickets.me.ticket_id, notice_id))
    assert response.status_code == 200
    assert response.data == samples.pdf()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_admin_routes_are_404_for_a_client(app, client, auth, tickets, headers):
    auth.login("client@example.fr")
    response = download(
        client, admin_url(tickets.me.ticket_id, tickets.me.file_id), headers=headers
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["/tickets/{t}/attachments/{a}", "/admin/tickets/{t}/attachments/{a}"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, tickets, url):
    response = client.get(url.format(t=tickets.me.ticket_id, a=tickets.me.file_id))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_an_admin_gets_every_file_and_the_look_at_the_client_is_logged(app, client, auth, tickets):
    auth.login(tickets.admin_email, totp=True)
    for file_id, content in (
        (tickets.other.file_id, LOG),
        (tickets.other.note_file_id, samples.pdf()),
    ):
        response = download(client, admin_url(tickets.other.ticket_id, file_id))
        assert response.status_code == 200
        assert response.data == content
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/pdf"
    views = entries(app, CLIENT_VIEWED)
    assert [(v.target_id, v.detail, v.actor_id) for v in views] == [
        (tickets.other.client_id, "section=tickets", tickets.admin_id)
    ] * 2
    downloads = entries(app, "ticket.attachment_downloaded")
    assert [d.target_id for d in downloads] == [tickets.other.file_id, tickets.other.note_file_id]
    assert all(f"client={tickets.other.client_id}" in d.detail for d in downloads)


def test_an_admin_url_mixing_a_ticket_and_another_tickets_file_is_404(app, client, auth, tickets):
    auth.login(tickets.admin_email, totp=True)
    response = download(client, admin_url(tickets.me.ticket_id, tickets.other.file_id))
    assert response.status_code == 404
    assert entries(app, CLIENT_VIEWED) == []


def test_a_file_lost_from_the_store_is_a_404_not_a_500(app, client, auth, tickets):
    with app.app_context():
        file_store.delete(db.session.get(TicketAttachment, tickets.me.file_id).stored_name)
    auth.login("client@example.fr")
    response = download(client, client_url(tickets.me.ticket_id, tickets.me.file_id))
    assert response.status_code == 404


# --- The conversation's lists and partials ---------------------------------------------------


def test_attachments_by_message_hide_internal_notes_from_the_client_in_one_query(
    app, tickets, count_queries
):
    with app.app_context():
        with count_queries() as counter:
            for_client = attachments_by_message(tickets.me.ticket_id, by_staff=False)
        assert counter.count == 1
        assert {m: [a.id for a in files] for m, files in for_client.items()} == {
            tickets.me.message_id: [tickets.me.file_id]
        }
        for_staff = attachments_by_message(tickets.me.ticket_id, by_staff=True)
        assert sorted(a.id for files in for_staff.values() for a in files) == [
            tickets.me.file_id,
            tickets.me.note_file_id,
        ]


@pytest.mark.parametrize(
    ("by_admin", "prefix"),
    [(False, "/tickets/"), (True, "/admin/tickets/")],
    ids=["client", "admin"],
)
def test_the_list_partial_links_each_file_for_its_side(
    app, tickets, by_admin, prefix, count_queries
):
    with app.test_request_context():
        files = list(db.session.scalars(sa.select(TicketAttachment).order_by(TicketAttachment.id)))
        with count_queries() as counter:
            html = render_template(
                "tickets/_attachments.html", attachments=files, by_admin=by_admin
            )
        assert counter.count == 0
    url = f"{prefix}{tickets.me.ticket_id}/attachments/{tickets.me.file_id}"
    assert f'href="{url}"' in html
    assert 'hx-boost="false"' in html
    assert "journal.txt" in html and f"texte ou journal, {len(LOG)} octets" in html


def test_the_list_partial_is_empty_without_files(app):
    with app.test_request_context():
        assert (
            render_template("tickets/_attachments.html", attachments=[], by_admin=False).strip()
            == ""
        )


def test_the_file_field_explains_the_limits_in_french(app):
    with app.test_request_context():
        html = render_template(
            "tickets/_attachment_input.html", attachment_errors=["« a.exe » refusé."]
        )
    assert 'type="file"' in html and 'name="attachments"' in html and "multiple" in html
    assert "Jusqu'à 5 fichiers de 10 Mo chacun au plus." in html
    assert "Types acceptés : images, PDF, textes et journaux" in html
    assert 'data-max-files="5"' in html and f'data-max-bytes="{10 * MB}"' in html
    assert "« a.exe » refusé." in html and 'aria-invalid="true"' in html
    assert re.search(
        r"data-too-large=\"« \{name\} » dépasse la limite de 10 Mo par fichier.\"", html
    )


# --- Too large: the French 413 ---------------------------------------------------------------


def test_the_request_limit_leaves_room_for_every_attachment_and_the_text(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 10 * MB + MB


@pytest.mark.settings(TICKET_ATTACHMENT_MAX_FILES=2, TICKET_ATTACHMENT_MAX_BYTES=1000)
def test_the_request_limit_follows_the_attachment_settings(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1000 + MB


@pytest.mark.settings(MAX_CONTENT_LENGTH=10_000)
@pytest.mark.parametrize(
    "headers",
    [{}, {"HX-Request": "true", "HX-Boosted": "true"}, HTMX],
    ids=["page", "boosted", "fragment"],
)
def test_a_body_too_large_gets_the_french_413_page(client, headers):
    data = {"email": "a@example.fr", "attachments": sent("scan.pdf", samples.pdf() + b"0" * 20_000)}
    response = client.post(
        "/auth/login", data=data, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Fichier ou envoi trop volumineux" in text
    assert "5 fichiers de 10 Mo au plus" in text


def test_htmx_swaps_nothing_on_a_413_so_the_form_stays_as_typed(client):
    page = client.get("/auth/login").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1)
    rules = json.loads(meta)["responseHandling"]
    codes = [rule["code"] for rule in rules]
    too_large = rules[codes.index("413")]
    assert too_large == {"code": "413", "swap": False, "error": True}
    assert codes.index("413") < codes.index("[45]..")
    assert "js/attachments.js" in page
    assert "data-request-too-large=" in page
