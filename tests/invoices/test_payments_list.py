"""The admins' list of payments across clients (or one client's): filters, totals, pages."""

from datetime import date

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.invoice import Invoice
from tests.fixtures.invoices import SELLER, make_issued

pytestmark = pytest.mark.settings(**SELLER)

URL = "/admin/payments"


def pay(app, invoice_id: int, paid_on: date, cents: int, method: str, reference=None) -> None:
    from blueprints.invoices.billing import record_payment

    with app.app_context():
        record_payment(
            db.session.get(Invoice, invoice_id),
            paid_on=paid_on,
            amount_cents=cents,
            method=method,
            reference=reference,
            user=None,
        )
        db.session.commit()


@pytest.fixture
def payments(app, client, auth, billing_clients):
    """Three payments: two by "me" (cheque, transfer), one by "other" (card)."""
    me, other = billing_clients.me, billing_clients.other
    pay(app, me.invoice_id, date(2026, 3, 10), 5000, "cheque", "CHQ-111")
    pay(app, me.invoice_id, date(2026, 4, 2), 1000, "transfer", "VIR-222")
    pay(app, other.invoice_id, date(2026, 3, 20), 2500, "card", "CB-333")
    auth.login("admin@example.fr", totp=True)
    return billing_clients


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_every_clients_payments_are_listed_with_their_totals(client, payments):
    page = text_of(client.get(URL))
    assert all(ref in page for ref in ("CHQ-111", "VIR-222", "CB-333"))
    assert "3 paiements" in page and "Encaissé : 85,00" in page
    assert "Chèque : 50,00" in page and "Carte : 25,00" in page and "Virement : 10,00" in page
    # Newest first.
    assert page.index("VIR-222") < page.index("CB-333") < page.index("CHQ-111")


@pytest.mark.parametrize(
    ("query", "shown", "hidden", "total"),
    [
        ({"method": "card"}, ["CB-333"], ["CHQ-111", "VIR-222"], "25,00"),
        ({"start": "2026-03-15"}, ["CB-333", "VIR-222"], ["CHQ-111"], "35,00"),
        ({"end": "2026-03-31"}, ["CHQ-111", "CB-333"], ["VIR-222"], "75,00"),
        ({"start": "2026-03-15", "end": "2026-03-31"}, ["CB-333"], ["CHQ-111", "VIR-222"], "25,00"),
        ({"method": "unknown"}, ["CHQ-111", "VIR-222", "CB-333"], [], "85,00"),
    ],
)
def test_filters_narrow_the_list_and_its_totals(client, payments, query, shown, hidden, total):
    page = text_of(client.get(URL, query_string=query))
    assert all(ref in page for ref in shown)
    assert not any(ref in page for ref in hidden)
    assert f"Encaissé : {total}" in page


def test_a_bad_date_is_named_kept_as_typed_and_ignored(client, payments):
    response = client.get(URL, query_string={"start": "31/02/2026", "method": "cheque"})
    page = text_of(response)
    assert response.status_code == 200
    assert "« Du » : saisissez une date valide." in page
    assert 'value="31/02/2026"' in page
    assert "CHQ-111" in page and "CB-333" not in page


def test_one_clients_payments_are_listed_and_the_look_is_logged(app, client, payments):
    me = payments.me
    page = text_of(client.get(URL, query_string={"client": me.client_id}))
    assert "CHQ-111" in page and "VIR-222" in page and "CB-333" not in page
    assert "Encaissé : 60,00" in page
    with app.app_context():
        entry = db.session.scalars(
            sa.select(ActivityLog).order_by(ActivityLog.id.desc()).limit(1)
        ).one()
        assert entry.action == "admin.client_viewed"
        assert entry.detail == "section=payments"
    assert f"/admin/payments?client={me.client_id}" in text_of(
        client.get(f"/admin/clients/{me.client_id}/invoices")
    )


@pytest.mark.parametrize("value", ["999999", "abc", "-1"])
def test_an_unknown_client_is_404_or_ignored(client, payments, value):
    response = client.get(URL, query_string={"client": value})
    assert response.status_code == (404 if value == "999999" else 200)


@pytest.mark.settings(PAGE_SIZE=2)
def test_older_payments_come_a_page_at_a_time(client, payments):
    page = text_of(client.get(URL))
    assert "VIR-222" in page and "CB-333" in page and "CHQ-111" not in page
    more = page.split('id="more-payments"')[1].split('href="')[1].split('"')[0]
    fragment = client.get(more.replace("&amp;", "&"), headers={"HX-Request": "true"})
    text = text_of(fragment)
    assert "CHQ-111" in text and "<html" not in text and "VIR-222" not in text
    assert "more-payments" not in text


def test_the_list_runs_a_fixed_number_of_queries(app, client, payments, queries):
    client.get(URL)
    small = queries.count(lambda: client.get(URL))
    for _ in range(20):
        invoice_id = make_issued(app, payments.other.client_id)
        pay(app, invoice_id, date(2026, 5, 1), 100, "cash")
    large = queries.count(lambda: client.get(URL))
    assert small == large


def test_a_client_cannot_see_the_payments_list(client, auth, billing_clients):
    auth.login()
    assert client.get(URL).status_code == 404
