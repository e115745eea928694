"""The "Factures" panels: amount due and overdue invoices, on the client dashboard and the admin
client page; the demo data has a paid, a partly paid and an overdue invoice."""

from datetime import date

import pytest
import sqlalchemy as sa

from blueprints.invoices import rules
from models import db
from models.invoice import Invoice
from tests.fixtures.invoices import SELLER, client_of, make_issued

pytestmark = pytest.mark.settings(**SELLER)


def test_the_client_dashboard_shows_the_amount_due_and_overdue_invoices(app, client, auth):
    client_id = client_of(app, auth.create_client())
    make_issued(app, client_id, day=date(2020, 1, 1))
    make_issued(app, client_id)
    auth.login()
    page = client.get("/account").get_data(as_text=True)
    assert 'id="panel-invoices"' in page
    assert "216,00" in page
    assert "1 facture en retard" in page


def test_the_admin_client_page_shows_what_remains_to_cash(app, client, auth):
    client_id = client_of(app, auth.create_client())
    make_issued(app, client_id)
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    page = client.get(f"/admin/clients/{client_id}").get_data(as_text=True)
    assert 'id="panel-admin-client-invoices"' in page
    assert "108,00" in page


def test_the_panel_runs_a_fixed_number_of_queries(app, client, auth, count_queries):
    client_id = client_of(app, auth.create_client())
    auth.login()
    make_issued(app, client_id)
    with count_queries() as few:
        client.get("/account")
    for _ in range(4):
        make_issued(app, client_id)
    with count_queries() as many:
        client.get("/account")
    assert many.count == few.count


def test_the_invoice_list_runs_a_fixed_number_of_queries(app, client, auth, count_queries):
    client_id = client_of(app, auth.create_client())
    auth.login()
    make_issued(app, client_id)
    with count_queries() as few:
        client.get("/invoices")
    for _ in range(4):
        make_issued(app, client_id)
    with count_queries() as many:
        client.get("/invoices")
    assert many.count == few.count


def test_the_demo_has_a_paid_a_partly_paid_and_an_overdue_invoice(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        invoices = db.session.scalars(sa.select(Invoice).where(Invoice.status == "issued")).all()
        today = date.today()
        statuses = sorted(rules.payment_status(invoice, today) for invoice in invoices)
        partly = [i for i in invoices if 0 < i.paid_cents < i.total_incl_tax_cents]
    assert statuses == ["due", "overdue", "paid"]
    assert len(partly) == 1
    assert all(invoice.pdf_sha256 for invoice in invoices)
