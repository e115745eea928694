"""Tickets under attack and under load: XSS, double submissions, query counts, mail content."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from models import db, utcnow
from models.ticket import Ticket, TicketMessage
from services.sanitize import sanitize_html
from tests.fixtures.database import count_rows
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.mail import deliver_outbox, text_and_html
from tests.fixtures.tickets import add_staff_message, add_ticket, get_ticket

# Vectors from the OWASP filter-evasion cheat sheet and known mutation-XSS payloads.
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href=" data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<a href="https://exemple.fr" onclick="alert(1)">x</a>',
    '<a href="https://exemple.fr" hx-get="/account/delete" hx-trigger="load">x</a>',
    '<p hx-post="/auth/logout" hx-trigger="load">x</p>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<template><script>alert(1)</script></template>",
    "<<script>script>alert(1)<</script>/script>",
    '<img src="x" onerror="&#97;lert(1)">',
    '"><script>alert(1)</script>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
]

DANGEROUS = re.compile(
    r"<\s*(script|img|svg|iframe|object|embed|style|input|details|math|base|meta|link|form|body)"
    r"|\son\w+\s*=|javascript:|vbscript:|data:|style\s*=|hx-|expression\(",
    re.IGNORECASE,
)


@pytest.mark.parametrize("payload", XSS)
def test_the_allow_list_leaves_nothing_that_runs(payload):
    cleaned = sanitize_html(payload)
    assert not DANGEROUS.search(cleaned), cleaned
    # Cleaning what was cleaned changes nothing: no mutation brings a tag back.
    assert sanitize_html(cleaned) == cleaned


def test_a_link_keeps_its_target_and_gets_its_rel():
    assert sanitize_html('<a href="https://exemple.fr/doc">doc</a>') == (
        '<a href="https://exemple.fr/doc" rel="nofollow noopener noreferrer">doc</a>'
    )


@pytest.fixture
def me(app, auth):
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    return client_id


def test_every_vector_sent_in_a_ticket_comes_back_harmless(app, client, me):
    html = client.get("/tickets/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": csrf_token_from(html),
        "idempotency_key": key,
        "subject": "other",
        "title": "<script>alert(1)</script>",
        "priority": "normal",
        "body": "\n".join(XSS),
    }
    location = client.post("/tickets/new", data=data).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    conversation = page[page.index('id="ticket-conversation"') :]
    body = conversation[: conversation.index("</ol>")]
    assert not DANGEROUS.search(body.replace("hx-disable", "")), body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title, as text


# ---------------------------------------------------------------- no duplicates


def test_two_identical_submissions_at_once_make_one_ticket(app, auth):
    """Two threads send the same form (same key) together: one ticket, both answered 303."""
    client_id_of(app, auth.create_client())
    clients = [app.test_client() for _ in range(2)]
    forms = []
    for each in clients:
        each.post("/auth/login", data={"email": "client@example.fr", "password": _password()})
        forms.append(csrf_token_from(each.get("/tickets/new").get_data(as_text=True)))
    barrier = threading.Barrier(2)
    answers = [None, None]

    def send(index):
        data = {
            "csrf_token": forms[index],
            "idempotency_key": "meme-formulaire-envoye-deux-fois",
            "subject": "hardware",
            "title": "Double clic",
            "priority": "normal",
            "body": "Un seul ticket attendu.",
        }
        barrier.wait()
        answers[index] = clients[index].post("/tickets/new", data=data).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [303, 303]
    assert count_rows(app, Ticket) == 1
    assert count_rows(app, TicketMessage) == 1


def _password():
    from tests.fixtures.users import PASSWORD

    return PASSWORD


def test_two_identical_replies_at_once_make_one_message(app, auth):
    client_id = client_id_of(app, auth.create_client())
    ticket_id = add_ticket(app, client_id)
    clients = [app.test_client() for _ in range(2)]
    tokens = []
    for each in clients:
        each.post("/auth/login", data={"email": "client@example.fr", "password": _password()})
        tokens.append(csrf_token_from(each.get(f"/tickets/{ticket_id}").get_data(as_text=True)))
    barrier = threading.Barrier(2)
    answers = [None, None]

    def send(index):
        data = {"csrf_token": tokens[index], "idempotency_key": "une-reponse", "body": "Une fois"}
        barrier.wait()
        answers[index] = clients[index].post(f"/tickets/{ticket_id}/reply", data=data).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [303, 303]
    with app.app_context():
        bodies = db.session.scalars(
            sa.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)
        ).all()
    assert bodies.count("Une fois") == 1


# ---------------------------------------------------------------- query counts


def add_many_tickets(app, client_id: int, how_many: int, start: int = 0) -> None:
    now = utcnow()
    with app.app_context():
        db.session.execute(
            sa.insert(Ticket),
            [
                {
                    "client_id": client_id,
                    "subject": "hardware",
                    "title": f"Ticket {n}",
                    "priority": "normal",
                    "status": "in_progress",
                    "idempotency_key": f"k-{client_id}-{n}",
                    "created_at": now,
                    "updated_at": now,
                    "last_message_at": now,
                }
                for n in range(start, start + how_many)
            ],
        )
        db.session.commit()


@pytest.mark.parametrize("path", ["/tickets", "/tickets?state=all"])
def test_the_ticket_list_runs_the_same_queries_at_10_and_1000_tickets(
    app, client, me, count_queries, path
):
    add_many_tickets(app, me, 10)
    client.get(path)
    with count_queries() as small:
        assert client.get(path).status_code == 200
    add_many_tickets(app, me, 990, start=10)
    with count_queries() as large:
        assert client.get(path, headers=HTMX).status_code == 200
        assert client.get(path).status_code == 200
    assert large.count == 2 * small.count


def test_a_ticket_page_runs_the_same_queries_at_2_and_40_messages(
    app, client, auth, me, count_queries
):
    auth.create_admin()
    ticket_id = add_ticket(app, me)
    add_staff_message(app, ticket_id)
    client.get(f"/tickets/{ticket_id}")
    add_staff_message(app, ticket_id)  # each counted visit finds an unread answer to mark seen
    with count_queries() as small:
        client.get(f"/tickets/{ticket_id}")
    for _ in range(37):
        add_staff_message(app, ticket_id)
    with count_queries() as large:
        client.get(f"/tickets/{ticket_id}")
    assert large.count == small.count


# ---------------------------------------------------------------- mails


def test_the_answer_mail_reaches_the_smtp_server_without_the_message(app, auth, mail_server):
    client_id = client_id_of(app, auth.create_client())
    ticket_id = add_ticket(app, client_id)
    auth.create_admin(enrolled=True)
    admin = app.test_client()
    from tests.fixtures.users import AuthActions

    AuthActions(app, admin).login("admin@example.fr", totp=True)
    html = admin.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    secret = "Votre mot de passe Wi-Fi est Hyeres-2026"
    admin.post(
        f"/admin/tickets/{ticket_id}/reply",
        data={"csrf_token": csrf_token_from(html), "idempotency_key": key, "body": secret},
    )
    admin.post(
        f"/admin/tickets/{ticket_id}/reply",
        data={
            "csrf_token": csrf_token_from(html),
            "idempotency_key": key + "-note",
            "body": "Note : client pressé",
            "internal": "y",
        },
    )
    deliver_outbox(app)
    (message,) = [m for m in mail_server.messages if m["To"] == "client@example.fr"]
    text, html_body = text_and_html(message)
    assert f"/tickets/{ticket_id}" in text
    for body in (text, html_body):
        assert secret not in body
        assert "client pressé" not in body


def test_opening_a_read_ticket_again_writes_nothing(app, client, auth, me, count_queries):
    auth.create_admin()
    ticket_id = add_ticket(app, me)
    add_staff_message(app, ticket_id)
    client.get(f"/tickets/{ticket_id}")
    seen = get_ticket(app, ticket_id).client_seen_at
    assert seen is not None
    with count_queries() as again:
        assert client.get(f"/tickets/{ticket_id}").status_code == 200
    assert not [s for s in again.statements if s.lstrip().upper().startswith("UPDATE")]
    assert get_ticket(app, ticket_id).client_seen_at == seen
    add_staff_message(app, ticket_id)
    client.get(f"/tickets/{ticket_id}")
    assert get_ticket(app, ticket_id).client_seen_at > seen
