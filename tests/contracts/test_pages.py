"""The pages of contracts: an admin records, changes, renews and cancels a contract; the client
sees theirs and refuses a renewal through the ticket form; the admins' list filters and sums."""

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.activity import ActivityLog
from models.contract import Contract, ContractPeriod
from models.invoice import Invoice
from models.ticket import Ticket
from tests.fixtures.accounts import page_text
from tests.fixtures.contracts import load_contract, make_contract, periods_of
from tests.fixtures.database import count_rows
from tests.fixtures.invoices import client_of

NEW = {
    "kind": "assistance",
    "title": "Assistance illimitée",
    "starts_on": "2026-02-01",
    "term_months": "12",
    "billing_months": "1",
    "price": "19,90",
    "vat_rate": "2000",
    "renewal": "tacit",
    "notice_days": "30",
    "notes": "",
}


@pytest.fixture
def logged_admin(client, auth, contract_clients):
    auth.login(contract_clients.admin_email, totp=True)
    return contract_clients


def test_an_admin_records_a_contract_with_its_first_period(app, client, logged_admin):
    client_id = logged_admin.me.client_id
    response = client.post(f"/admin/clients/{client_id}/contracts/new", data=NEW)
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalar(
            sa.select(Contract).where(Contract.title == "Assistance illimitée")
        )
        assert (made.starts_on, made.ends_on, made.price_cents) == (
            date(2026, 2, 1),
            date(2027, 1, 31),
            1990,
        )
        assert made.client_id == client_id
    assert response.headers["Location"].endswith(f"/admin/clients/{client_id}/contracts/{made.id}")
    assert periods_of(app, made.id) == [(date(2026, 2, 1), date(2027, 1, 31), None)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "Donnez un intitulé au contrat."),
        ({"price": "dix euros"}, "Saisissez un montant"),
        ({"price": ""}, "Indiquez le prix."),
        ({"starts_on": "31/02/2026"}, "Saisissez une date valide."),
        ({"term_months": "4", "billing_months": "3"}, "multiple de la périodicité"),
        ({"term_months": "1", "billing_months": "1", "notice_days": "40"}, "plus court"),
        ({"kind": "leasing"}, "Choisissez un type dans la liste."),
    ],
)
def test_bad_terms_come_back_with_the_reason_and_the_typing_kept(
    app, client, logged_admin, change, message
):
    client_id = logged_admin.me.client_id
    sent = {**NEW, "title": "Mon contrat à garder", **change}
    response = client.post(f"/admin/clients/{client_id}/contracts/new", data=sent)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    if change.get("title") != "":
        assert 'value="Mon contrat à garder"' in text
    assert count_rows(app, Contract) == 2  # the two of the fixture only


def test_an_admin_changes_the_terms_but_not_the_start(app, client, logged_admin):
    me = logged_admin.me
    url = f"/admin/clients/{me.client_id}/contracts/{me.contract_id}/edit"
    assert client.get(url).status_code == 200
    response = client.post(url, data={**NEW, "price": "300", "starts_on": "2020-01-01"})
    assert response.status_code == 303
    found = load_contract(app, me.contract_id)
    assert found.price_cents == 30000
    assert found.starts_on == date(2026, 1, 1)


def test_an_admin_renews_now_and_gets_a_draft_invoice(app, client, logged_admin):
    me = logged_admin.me
    response = client.post(f"/admin/clients/{me.client_id}/contracts/{me.contract_id}/renew")
    assert response.status_code == 303
    periods = periods_of(app, me.contract_id)
    assert len(periods) == 2 and periods[1][2] is not None
    page = page_text(client.get(f"/admin/clients/{me.client_id}/contracts/{me.contract_id}"))
    assert "brouillon de facture" in page
    with app.app_context():
        assert db.session.get(Invoice, periods[1][2]).status == "draft"


def test_the_client_does_not_see_the_draft_invoice_of_a_period(app, client, auth, contract_clients):
    me = contract_clients.me
    with app.app_context():
        from blueprints.contracts.renewals import renew

        renew(db.session.get(Contract, me.contract_id))
        db.session.commit()
    auth.login()
    page = page_text(client.get(f"/contracts/{me.contract_id}"))
    assert "brouillon" not in page
    assert "/invoices/" not in page.split("Périodes")[1]


def test_an_admin_cancels_a_contract_which_then_cannot_be_renewed(app, client, logged_admin):
    me = logged_admin.me
    base = f"/admin/clients/{me.client_id}/contracts/{me.contract_id}"
    page = page_text(client.get(base))
    assert 'data-confirm="Résilier ce contrat' in page
    assert client.post(f"{base}/cancel").status_code == 303
    assert load_contract(app, me.contract_id).status == "cancelled"
    response = client.post(f"{base}/renew", follow_redirects=True)
    assert "ne peut pas être renouvelé" in page_text(response)
    assert count_rows(app, ContractPeriod) == 2


def test_the_admins_list_filters_by_deadline_and_kind_and_sums(app, client, auth, contract_clients):
    other = contract_clients.other.client_id
    make_contract(
        app,
        other,
        kind="hosting",
        title="Hébergement",
        billing_months=1,
        price_cents=1000,
        starts_on=date(2026, 6, 1),
    )
    with time_machine.travel("2026-11-15 10:00:00+01:00", tick=False):
        auth.login(contract_clients.admin_email, totp=True)
        everything = page_text(client.get("/admin/contracts?status=active"))
        soon = page_text(client.get("/admin/contracts?status=renewing&within=60"))
        hosting = page_text(client.get("/admin/contracts?status=active&kind=hosting"))
        odd = client.get("/admin/contracts?status=%00&within=-5&kind=<b>")
    assert "3 contrats" in everything
    # 2 × 240 € a year + 10 € a month: 600 € a year
    assert "600,00" in everything
    assert "2 contrats" in soon and ">Hébergement</a>" not in soon
    assert "1 contrat" in hosting and ">Hébergement</a>" in hosting
    assert odd.status_code == 200


def test_the_client_refuses_the_renewal_through_a_ticket(app, client, auth, contract_clients):
    me = contract_clients.me
    auth.login()
    page = page_text(client.get(f"/contracts/{me.contract_id}"))
    assert "Demander la non-reconduction" in page
    form = page_text(
        client.get(f"/tickets/new?subject=contract&contract={me.contract_id}&non_renewal=1")
    )
    assert "Non-reconduction de mon contrat" in form
    assert 'name="non_renewal" type="checkbox" value="y" checked' in form or "checked" in form
    response = client.post(
        "/tickets/new",
        data={
            "subject": "contract",
            "title": "Non-reconduction de mon contrat",
            "contract_id": str(me.contract_id),
            "non_renewal": "y",
            "priority": "normal",
            "body": "Je ne souhaite pas poursuivre.",
            "device_id": "0",
        },
    )
    assert response.status_code == 303, page_text(response)
    found = load_contract(app, me.contract_id)
    assert found.non_renewal_requested_at is not None
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.client_id == me.client_id))
        assert found.non_renewal_ticket_id == ticket.id
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(ActivityLog)
                .where(ActivityLog.action == "contract.non_renewal_requested")
            )
            == 1
        )
    page = page_text(client.get(f"/contracts/{me.contract_id}"))
    assert "Non-reconduction demandée" in page and f"/tickets/{ticket.id}" in page


def test_another_clients_contract_cannot_be_refused_through_a_ticket(
    app, client, auth, contract_clients
):
    auth.login()
    response = client.post(
        "/tickets/new",
        data={
            "subject": "contract",
            "title": "Pas le mien",
            "contract_id": str(contract_clients.other.contract_id),
            "non_renewal": "y",
            "priority": "normal",
            "body": "Essai.",
            "device_id": "0",
        },
    )
    assert response.status_code == 422
    assert load_contract(app, contract_clients.other.contract_id).non_renewal_requested_at is None
    assert count_rows(app, Ticket) == 0


def test_non_renewal_needs_the_contract_subject(app, client, auth, contract_clients):
    auth.login()
    response = client.post(
        "/tickets/new",
        data={
            "subject": "billing",
            "title": "Question",
            "contract_id": str(contract_clients.me.contract_id),
            "non_renewal": "y",
            "priority": "normal",
            "body": "Essai.",
            "device_id": "0",
        },
    )
    assert response.status_code == 422
    assert "Contrat / abonnement" in page_text(response)
    assert 'value="Question"' in page_text(response)


def test_a_client_without_contracts_sees_an_empty_state_and_no_panel(app, client, auth):
    client_of(app, auth.create_client(email="seul@example.fr"))
    auth.login("seul@example.fr")
    assert "aucun contrat" in page_text(client.get("/contracts"))
    assert "panel-contracts" not in page_text(client.get("/account"))


def test_the_dashboard_panel_shows_the_next_deadline(client, auth, contract_clients):
    auth.login()
    page = page_text(client.get("/account"))
    assert "panel-contracts" in page and "31 déc. 2026" in page


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("client", "/contracts"),
        ("admin", "/admin/contracts"),
        ("admin", "/admin/contracts?status=renewing&within=180"),
        ("admin", "/admin/clients/{client}/contracts"),
    ],
)
def test_contract_lists_run_a_fixed_number_of_queries(
    app, client, auth, contract_clients, queries, who, url
):
    me = contract_clients.me.client_id
    url = url.format(client=me)
    if who == "admin":
        auth.login("admin@example.fr", totp=True)
    else:
        auth.login()
    client.get(url)  # warm-up
    small = queries.count(lambda: client.get(url))
    for n in range(25):
        make_contract(app, me, title=f"Contrat {n}", starts_on=date(2026, 1 + n % 12, 1))
    large = queries.count(lambda: client.get(url))
    assert small == large, queries.statements
