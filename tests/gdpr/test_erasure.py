"""Erasure of a client: asked through the ticket's "Sujet", confirmed by the client's mail link,
carried out by an admin; afterwards nothing personal of theirs is left but the legal archive of
their issued invoices; a failure in the middle leaves everything as it was."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.activity import ActivityLog
from models.client import Client
from models.contract import Contract
from models.data_rights import DataRightsRequest, ErasureLedgerEntry
from models.invoice import Invoice
from models.mail import OutboxMail
from models.ticket import TicketAttachment
from models.user import User
from services import file_store
from services.erasure import erase_client, ledger_key, register_erasure_step, was_erased
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.contracts import make_contract
from tests.fixtures.devices import add_device, add_intervention, add_licence, client_id_of
from tests.fixtures.http import csrf_token_from
from tests.fixtures.invoices import PRIVATE, SELLER, make_issued
from tests.fixtures.tickets import add_attachment, add_ticket

pytestmark = pytest.mark.settings(**SELLER)

EMAIL = "zoe.effacable@example.fr"
# What the client typed or was given, none of which may remain after the erasure.
TRACES = {
    "email": "zoe.effacable",
    "last name": "Effaçable",
    "phone": "0612345678",
    "serial": "SER-ERASE-77",
    "device note": "Sous le bureau de Zoé",
    "intervention report": "Rapport pour Zoé",
    "ticket body": "Mon écran Zoé",
    "contract title": "Maintenance chez Zoé",
    "attachment name": "zoe-capture.png",
}
# Where the law keeps the buyer's name and address: issued invoices (Code de commerce L123-22).
LEGAL_ARCHIVE = {("invoice", "buyer_name"), ("invoice", "buyer_address")}


@pytest.fixture
def zoe(app, auth):
    """A private client with something of every kind; their client id."""
    user_id = auth.create_client(
        email=EMAIL, last_name="Effaçable", first_name="Zoé", phone="0612345678", **PRIVATE
    )
    client_id = client_id_of(app, user_id)
    device_id = add_device(app, client_id, serial="SER-ERASE-77", notes="Sous le bureau de Zoé")
    add_licence(app, client_id, device_id=device_id)
    add_intervention(
        app,
        client_id,
        status="done",
        ended_at=datetime(2026, 3, 10, 12),
        report="Rapport pour Zoé",
        device_ids=[device_id],
    )
    ticket_id = add_ticket(app, client_id, body="<p>Mon écran Zoé</p>")
    add_attachment(app, ticket_id, filename="zoe-capture.png")
    contract_id = make_contract(app, client_id, title="Maintenance chez Zoé")
    with app.app_context():
        db.session.get(Contract, contract_id).status = "ended"
        db.session.commit()
    invoice_id = make_issued(app, client_id)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.paid_cents = invoice.total_incl_tax_cents
        db.session.commit()
    auth.create_admin(enrolled=True)
    return client_id


def ask_erasure(client) -> None:
    """The client sends the ticket form with the deletion subject."""
    html = client.get("/tickets/new?subject=erasure").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_token_from(html),
            "idempotency_key": key,
            "subject": "erasure",
            "erasure_understood": "y",
            "title": "Supprimer mon espace",
            "device_id": "0",
            "priority": "normal",
            "body": "Merci de supprimer mon espace.",
        },
    )
    assert response.status_code == 303, response.status_code


def confirmation_path(app) -> str:
    (mail,) = sent_mails(app, "erasure_confirm", to=EMAIL)
    return re.search(r"(/account/privacy/erasure/[^\s\"<]+)", mail.body_text).group(1)


def request_id_of(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(DataRightsRequest.id))


def every_text_in_the_database(app) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value of every table."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
            if not columns:
                continue
            for row in db.session.execute(sa.select(*columns)).all():
                for column, value in zip(columns, row, strict=True):
                    if value:
                        found.append((table.name, column.name, str(value)))
    return found


def confirm_and_erase(app, client, auth) -> None:
    auth.login(EMAIL)
    ask_erasure(client)
    path = confirmation_path(app)
    page = page_text(client.get(path))
    assert "téléchargez vos documents" in page.lower() and "/account/documents.zip" in page
    assert client.post(path, data={"csrf_token": csrf_token_from(page)}).status_code == 303
    client.post("/auth/logout", data={"csrf_token": csrf_token_from(page)})
    auth.login("admin@example.fr", totp=True)
    request_id = request_id_of(app)
    page = client.get(f"/admin/gdpr/requests/{request_id}").get_data(as_text=True)
    assert "Effacer définitivement le client" in page
    response = client.post(
        f"/admin/gdpr/requests/{request_id}/erase", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 303


def test_after_erasure_nothing_personal_is_left(app, client, auth, zoe):
    with app.app_context():
        stored = db.session.scalars(sa.select(TicketAttachment.stored_name)).all()
        assert stored and all(file_store.path(name).exists() for name in stored)

    confirm_and_erase(app, client, auth)

    leftovers = [
        (table, column, what)
        for table, column, value in every_text_in_the_database(app)
        for what, trace in TRACES.items()
        if trace.lower() in value.lower()
        and (table, column) not in LEGAL_ARCHIVE
        # The last mail, telling them it is done, waits in the outbox until it is sent.
        and not (table == "outbox_mail" and column == "recipient" and what == "email")
    ]
    assert leftovers == []
    with app.app_context():
        assert not any(file_store.path(name).exists() for name in stored)
        assert db.session.get(Client, zoe) is None
        assert db.session.scalar(sa.select(User).where(User.email == EMAIL)) is None
        archived = db.session.scalars(sa.select(Invoice)).one()
        assert archived.client_id is None and "Effaçable" in archived.buyer_name
        request = db.session.scalars(sa.select(DataRightsRequest)).one()
        assert (request.status, request.client_id) == ("done", None)
        assert was_erased(zoe)
        entry = db.session.scalars(sa.select(ErasureLedgerEntry)).one()
        assert entry.client_key == ledger_key(zoe) and entry.erased_on == date.today()
        mails = db.session.scalars(sa.select(OutboxMail.template)).all()
        assert mails.count("erasure_done") == 1 and "erasure_confirm" not in mails
        assert db.session.scalar(
            sa.select(sa.func.count()).where(ActivityLog.action == "client.erased")
        )
    response = client.get(f"/admin/gdpr/requests/{request_id_of(app)}")
    assert "client effacé" in page_text(response)


def test_the_erased_client_can_no_longer_log_in_and_their_session_ends(app, client, auth, zoe):
    other_browser = app.test_client()
    other_browser.post("/auth/login", data={"email": EMAIL, "password": "Correct-Horse-9-Battery"})
    from tests.fixtures.users import PASSWORD

    other_browser.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    assert other_browser.get("/account").status_code == 200
    confirm_and_erase(app, client, auth)
    assert other_browser.get("/account").status_code == 302
    response = app.test_client().post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 422


def test_a_failure_in_the_middle_leaves_everything_as_it_was(app, client, auth, zoe):
    with app.app_context():
        before = {table: len(rows) for table, rows in _rows(app).items()}
        stored = db.session.scalars(sa.select(TicketAttachment.stored_name)).all()

    def breaks(client_id):
        raise RuntimeError("disque plein")

    register_erasure_step(app, "zz_breaks", breaks)
    with app.app_context(), pytest.raises(RuntimeError):
        erase_client(zoe)
    with app.app_context():
        after = {table: len(rows) for table, rows in _rows(app).items()}
        assert after == before
        assert all(file_store.path(name).exists() for name in stored)
        assert not was_erased(zoe)


def _rows(app) -> dict:
    return {
        table.name: db.session.execute(sa.select(table)).all()
        for table in db.metadata.sorted_tables
    }


def test_a_running_contract_or_an_unpaid_invoice_stops_the_erasure(app, client, auth, zoe):
    make_contract(app, zoe, title="Contrat en cours")
    make_issued(app, zoe)  # not paid
    auth.login(EMAIL)
    ask_erasure(client)
    page = page_text(client.get(confirmation_path(app)))
    client.post(confirmation_path(app), data={"csrf_token": csrf_token_from(page)})
    auth.login("admin@example.fr", totp=True)
    request_id = request_id_of(app)
    page = page_text(client.get(f"/admin/gdpr/requests/{request_id}"))
    assert "Contrats encore en cours : 1" in page and "Factures impayées : 1" in page
    assert "Réglez d'abord les points bloquants" in page
    assert "Effacer définitivement le client" not in page
    response = client.post(
        f"/admin/gdpr/requests/{request_id}/erase", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Client, zoe) is not None


def test_an_unconfirmed_request_is_not_carried_out(app, client, auth, zoe):
    auth.login(EMAIL)
    ask_erasure(client)
    auth.login("admin@example.fr", totp=True)
    request_id = request_id_of(app)
    page = page_text(client.get(f"/admin/gdpr/requests/{request_id}"))
    assert "en attente de la confirmation du client" in page
    response = client.post(
        f"/admin/gdpr/requests/{request_id}/erase", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 303
    assert "pas encore confirmé" in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Client, zoe) is not None


def test_an_erasure_request_is_not_closed_as_done_by_hand(app, client, auth, zoe):
    auth.login(EMAIL)
    ask_erasure(client)
    auth.login("admin@example.fr", totp=True)
    request_id = request_id_of(app)
    page = page_text(client.get(f"/admin/gdpr/requests/{request_id}"))
    response = client.post(
        f"/admin/gdpr/requests/{request_id}",
        data={"csrf_token": csrf_token_from(page), "status": "done"},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(DataRightsRequest, request_id).status == "received"


def test_the_link_of_another_client_or_a_forged_one_is_404(app, client, auth, zoe):
    auth.login(EMAIL)
    ask_erasure(client)
    path = confirmation_path(app)
    auth.create_client(email="autre@example.fr")
    other = app.test_client()
    from tests.fixtures.users import PASSWORD

    other.post("/auth/login", data={"email": "autre@example.fr", "password": PASSWORD})
    assert other.get(path).status_code == 404
    assert client.get(path[:-3] + "abc").status_code == 404


def test_an_expired_link_says_so(app, client, auth, zoe):
    auth.login(EMAIL)
    ask_erasure(client)
    path = confirmation_path(app)
    with time_machine.travel(datetime.now().astimezone().replace(microsecond=0), tick=False) as t:
        t.shift(8 * 24 * 3600)
        auth.login(EMAIL)
        response = client.get(path)
    assert response.status_code == 410
    assert "a expiré" in page_text(response)


def test_the_ledger_key_names_no_one_and_follows_the_key(app, zoe):
    with app.app_context():
        assert ledger_key(zoe) != ledger_key(zoe + 1)
        assert ledger_key(zoe, b"k1") != ledger_key(zoe, b"k2")
        assert len(ledger_key(zoe)) == 64 and ledger_key(zoe) != str(zoe)
