"""Files sent with the incident form and with replies, through the real forms."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from models import db
from models.ticket import Ticket, TicketAttachment
from tests.fixtures.accounts import page_text
from tests.fixtures.attachments import pdf, png
from tests.fixtures.database import count_rows
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import HTMX, csrf_token_from
from tests.fixtures.tickets import add_ticket


@pytest.fixture
def me(app, auth):
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    return client_id


def form_fields(client, path):
    html = client.get(path).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token_from(html), "idempotency_key": key}


def new_ticket(client, files, **fields):
    data = form_fields(client, "/tickets/new") | {
        "subject": "hardware",
        "title": "Écran cassé",
        "priority": "normal",
        "body": "Photo jointe.",
        "attachments": files,
        **fields,
    }
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


def test_a_ticket_keeps_its_files_and_shows_them_to_its_client(app, client, me):
    response = new_ticket(
        client, [(io.BytesIO(png()), "photo.png"), (io.BytesIO(pdf()), "facture.pdf")]
    )
    assert response.status_code == 303
    with app.app_context():
        rows = db.session.execute(
            sa.select(TicketAttachment.filename, TicketAttachment.content_type)
        ).all()
    assert sorted(rows) == [("facture.pdf", "application/pdf"), ("photo.png", "image/png")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/tickets/\d+/attachments/\d+)"', page).group(1)
    download = client.get(link)
    body = download.get_data()
    download.close()
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert body in (png(), pdf())


def test_a_refused_file_is_said_by_the_field_and_the_typing_kept(app, client, me):
    fake = b"<html><body><script>alert(1)</script></body></html>"
    response = new_ticket(client, [(io.BytesIO(fake), "devis.pdf")], title="Titre soigné")
    assert response.status_code == 422
    text = page_text(response)
    assert "devis.pdf" in text and "Titre soigné" in text
    assert count_rows(app, Ticket) == 0
    assert count_rows(app, TicketAttachment) == 0


@pytest.mark.settings(TICKET_ATTACHMENT_MAX_FILES=2)
def test_too_many_files_are_refused_before_anything_is_kept(app, client, me):
    files = [(io.BytesIO(png()), f"photo{n}.png") for n in range(3)]
    response = new_ticket(client, files)
    assert response.status_code == 422
    assert count_rows(app, TicketAttachment) == 0


def test_a_reply_with_a_file_by_htmx_lists_it_in_the_conversation(app, client, me):
    ticket_id = add_ticket(app, me)
    data = form_fields(client, f"/tickets/{ticket_id}") | {
        "body": "Voici la capture.",
        "attachments": [(io.BytesIO(png()), "capture.png")],
    }
    response = client.post(
        f"/tickets/{ticket_id}/reply",
        data=data,
        headers=HTMX,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "capture.png" in page_text(response)
    with app.app_context():
        attachment = db.session.scalars(sa.select(TicketAttachment)).one()
        assert attachment.message_id is not None and attachment.client_id == me
