"""Admins draft, issue, correct and cash invoices through the pages; bad input answers 422 with
a French message, what was typed kept, and nothing written."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import db
from models.invoice import Invoice, InvoiceLine, Payment
from tests.fixtures.database import count_rows
from tests.fixtures.invoices import SELLER, client_of, make_draft

pytestmark = pytest.mark.settings(**SELLER)


@pytest.fixture
def admin(app, auth):
    auth.create_admin(enrolled=True)
    client_id = client_of(app, auth.create_client())
    auth.login("admin@example.fr", totp=True)
    return client_id


def line_data(index=0, **values):
    fields = {"description": "Dépannage", "quantity": "1,5", "unit_price": "60", "vat_rate": "2000"}
    fields.update(values)
    return {f"lines-{index}-{name}": value for name, value in fields.items()}


def form_data(**extra):
    return {
        "operation_category": "services",
        "service_date": "",
        "note": "",
        **line_data(),
        **extra,
    }


def test_an_admin_drafts_then_issues_an_invoice(app, client, admin):
    response = client.post(f"/admin/clients/{admin}/invoices/new", data=form_data())
    assert response.status_code == 303
    with app.app_context():
        draft = db.session.scalar(sa.select(Invoice))
        assert draft.status == "draft" and draft.number is None
        assert [(line.quantity_thousandths, line.unit_price_cents) for line in draft.lines] == [
            (1500, 6000)
        ]
        draft_id = draft.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Émettre" in page and "108,00" in page
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    assert response.status_code == 303
    with app.app_context():
        issued = db.session.get(Invoice, draft_id)
        assert issued.status == "issued" and issued.number.endswith("-00001")
        assert issued.total_incl_tax_cents == 10800 and issued.pdf_sha256


def test_empty_lines_are_ignored_and_at_least_one_line_is_needed(app, client, admin):
    data = form_data(**line_data(0, description="", quantity="", unit_price=""))
    response = client.post(f"/admin/clients/{admin}/invoices/new", data=data)
    assert response.status_code == 422
    assert "Ajoutez au moins une ligne." in response.get_data(as_text=True)
    assert count_rows(app, Invoice) == 0


BAD_LINES = [
    ({"quantity": "beaucoup"}, "Saisissez une quantité"),
    ({"quantity": "0"}, "Une quantité entre 0,001 et 1 000 000."),
    ({"quantity": "1,2345"}, "trois décimales au plus"),
    ({"unit_price": "12,345"}, "Saisissez un montant, par exemple 49,90."),
    ({"unit_price": "-5"}, "Un prix entre 0 et 100 000 000 €."),
    ({"unit_price": ""}, "Indiquez le prix unitaire."),
    ({"description": ""}, "Décrivez la ligne."),
    ({"description": "x" * 501}, "500 caractères au plus."),
    ({"description": "Ligne\x00nulle"}, "caractères invisibles"),
    ({"vat_rate": "1900"}, "Choisissez un taux de TVA dans la liste."),
    ({"vat_rate": "vingt"}, "Choisissez un taux de TVA dans la liste."),
    ({"discount": "120"}, "Une remise entre 0 et 100 %."),
    ({"discount": "dix"}, "Saisissez un pourcentage"),
]


@pytest.mark.parametrize(("values", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_a_bad_line_is_refused_with_its_message_and_kept_as_typed(
    app, client, admin, values, message
):
    data = form_data(**line_data(0, **values))
    response = client.post(f"/admin/clients/{admin}/invoices/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    for name, value in values.items():
        if value and name != "vat_rate" and "\x00" not in value:
            assert f'value="{value}"' in page, name
    assert count_rows(app, Invoice) == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"service_date": "31/02/2026"}, "Saisissez une date valide."),
        ({"service_date": "0001-01-01"}, "Saisissez une date entre"),
        ({"operation_category": "autre"}, "Choisissez une catégorie dans la liste."),
        ({"note": "n" * 2001}, "2000 caractères au plus."),
    ],
)
def test_bad_invoice_fields_are_refused(app, client, admin, values, message):
    response = client.post(f"/admin/clients/{admin}/invoices/new", data=form_data(**values))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(app, Invoice) == 0


def test_a_draft_is_edited_until_it_is_issued_then_frozen(app, client, admin):
    draft_id = make_draft(app, admin)
    url = f"/admin/clients/{admin}/invoices/{draft_id}/edit"
    assert client.get(url).status_code == 200
    response = client.post(url, data=form_data(**line_data(0, unit_price="100")))
    assert response.status_code == 303
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    with app.app_context():
        before = db.session.get(Invoice, draft_id)
        frozen = (before.number, before.total_incl_tax_cents, before.pdf_sha256)
    for method in ("get", "post"):
        response = getattr(client, method)(url, data=form_data(**line_data(0, unit_price="1")))
        assert response.status_code == 409
        assert "avoir" in response.get_data(as_text=True)
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/delete")
    assert response.status_code == 303
    with app.app_context():
        after = db.session.get(Invoice, draft_id)
        assert (after.number, after.total_incl_tax_cents, after.pdf_sha256) == frozen
        assert [line.unit_price_cents for line in after.lines] == [10000]


def test_a_draft_is_deleted(app, client, admin):
    draft_id = make_draft(app, admin)
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/delete")
    assert response.status_code == 303
    assert count_rows(app, Invoice) == count_rows(app, InvoiceLine) == 0


def test_a_credit_note_corrects_an_issued_invoice(app, client, admin):
    draft_id = make_draft(app, admin)
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/credit-note")
    assert response.status_code == 303
    with app.app_context():
        note = db.session.scalar(sa.select(Invoice).where(Invoice.kind == "credit_note"))
        note_id = note.id
    # Only a part is credited: 1 hour instead of 1.5.
    edit = f"/admin/clients/{admin}/invoices/{note_id}/edit"
    client.post(edit, data=form_data(**line_data(0, description="Avoir : 1 h", quantity="1")))
    client.post(f"/admin/clients/{admin}/invoices/{note_id}/issue")
    with app.app_context():
        invoice = db.session.get(Invoice, draft_id)
        note = db.session.get(Invoice, note_id)
        assert note.number.startswith("AV-") and note.total_incl_tax_cents == 7200
        assert invoice.credited_cents == 7200
        assert invoice.total_incl_tax_cents - invoice.credited_cents == 3600


def test_a_credit_note_beyond_the_invoice_is_not_issued(app, client, admin):
    draft_id = make_draft(app, admin)
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/credit-note")
    with app.app_context():
        note_id = db.session.scalar(sa.select(Invoice.id).where(Invoice.kind == "credit_note"))
    client.post(
        f"/admin/clients/{admin}/invoices/{note_id}/edit",
        data=form_data(**line_data(0, quantity="3")),
    )
    client.post(f"/admin/clients/{admin}/invoices/{note_id}/issue")
    with app.app_context():
        assert db.session.get(Invoice, note_id).status == "draft"


def test_partial_payments_bring_the_balance_down_to_paid(app, client, admin):
    draft_id = make_draft(app, admin)  # 108,00 €
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    url = f"/admin/clients/{admin}/invoices/{draft_id}/payments/new"
    assert "108,00" in client.get(url).get_data(as_text=True)
    payment = {"paid_on": "2026-03-10", "amount": "50", "method": "cheque", "reference": "12345"}
    assert client.post(url, data=payment).status_code == 303
    page = client.get(f"/admin/clients/{admin}/invoices/{draft_id}").get_data(as_text=True)
    assert "58,00" in page and "Chèque" in page
    response = client.post(url, data={**payment, "amount": "58,01"})
    assert response.status_code == 422
    assert "Le montant dépasse le reste à payer" in response.get_data(as_text=True)
    assert client.post(url, data={**payment, "amount": "58"}).status_code == 303
    with app.app_context():
        invoice = db.session.get(Invoice, draft_id)
        assert invoice.paid_cents == 10800
    assert count_rows(app, Payment) == 2
    assert "Payée" in client.get(f"/admin/clients/{admin}/invoices/{draft_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"amount": ""}, "Indiquez le montant reçu."),
        ({"amount": "abc"}, "Saisissez un montant"),
        ({"amount": "0"}, "Indiquez le montant reçu."),
        ({"paid_on": ""}, "Indiquez la date du paiement."),
        ({"paid_on": "hier"}, "Saisissez une date valide."),
        ({"method": "bitcoin"}, "Choisissez un moyen de paiement dans la liste."),
        ({"reference": "r" * 101}, "100 caractères au plus."),
    ],
)
def test_bad_payments_are_refused(app, client, admin, values, message):
    draft_id = make_draft(app, admin)
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    data = {"paid_on": "2026-03-10", "amount": "10", "method": "transfer", **values}
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/payments/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    if values.get("amount") == "abc":
        assert 'value="abc"' in response.get_data(as_text=True)
    assert count_rows(app, Payment) == 0


def test_a_draft_cannot_be_paid(app, client, admin):
    draft_id = make_draft(app, admin)
    data = {"paid_on": "2026-03-10", "amount": "10", "method": "transfer"}
    response = client.post(f"/admin/clients/{admin}/invoices/{draft_id}/payments/new", data=data)
    assert response.status_code == 422
    assert count_rows(app, Payment) == 0


@pytest.mark.settings(SELLER_SIREN=None)
def test_issuing_without_the_seller_siren_is_refused_and_says_why(app, client, admin):
    draft_id = make_draft(app, admin)
    page = client.get(f"/admin/clients/{admin}/invoices/{draft_id}").get_data(as_text=True)
    assert "SELLER_SIREN" in page
    client.post(f"/admin/clients/{admin}/invoices/{draft_id}/issue")
    with app.app_context():
        assert db.session.get(Invoice, draft_id).status == "draft"


@pytest.mark.parametrize(
    ("status", "shown"), [("all", 3), ("draft", 1), ("overdue", 1), ("due", 1), ("paid", 0)]
)
def test_the_admin_list_filters_by_status(app, client, admin, status, shown):
    from tests.fixtures.invoices import make_issued

    make_draft(app, admin)
    make_issued(app, admin, day=date(2020, 1, 1))
    make_issued(app, admin)
    page = client.get(f"/admin/invoices?status={status}").get_data(as_text=True)
    assert page.count('class="badge invoice-') == shown


@pytest.mark.settings(INVOICE_HOURLY_RATE_CENTS=5000)
def test_a_finished_intervention_is_drafted_into_an_invoice_once(app, client, admin):
    from tests.fixtures.devices import add_intervention

    intervention_id = add_intervention(
        app, admin, status="done", minutes_spent=90, starts_at=datetime(2026, 3, 10, 9, 0)
    )
    page = client.get(f"/admin/clients/{admin}/invoices").get_data(as_text=True)
    url = f"/admin/clients/{admin}/invoices/new?intervention={intervention_id}"
    assert url.replace("&", "&amp;") in page or url in page
    form = client.get(url).get_data(as_text=True)
    assert 'value="1,5"' in form and 'value="50"' in form and "10/03/2026" in form
    data = form_data(
        **line_data(0, description="Intervention sur site", quantity="1,5", unit_price="50")
    )
    assert client.post(url, data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Invoice.intervention_id)) == intervention_id
    assert "Facturer" not in client.get(f"/admin/clients/{admin}/invoices").get_data(as_text=True)


def test_an_intervention_of_another_client_cannot_be_billed(app, client, admin, auth):
    from tests.fixtures.devices import add_intervention

    other = client_of(app, auth.create_client(email="autre@example.fr"))
    intervention_id = add_intervention(app, other, status="done")
    url = f"/admin/clients/{admin}/invoices/new?intervention={intervention_id}"
    assert client.get(url).status_code == 404


def test_the_admin_list_totals_what_was_invoiced_and_what_remains(app, client, admin):
    from tests.fixtures.invoices import make_issued

    make_issued(app, admin, day=date(2020, 1, 1))
    paid = make_issued(app, admin)
    with app.app_context():
        invoice = db.session.get(Invoice, paid)
        invoice.paid_cents = 10000
        db.session.commit()
    page = client.get("/admin/invoices").get_data(as_text=True)
    assert "Facturé : 216,00" in page.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Reste à encaisser : 116,00" in page.replace("\u00a0", " ").replace("\u202f", " ")
    overdue = client.get("/admin/invoices?status=overdue").get_data(as_text=True)
    assert "Reste à encaisser : 108,00" in overdue.replace("\u00a0", " ").replace("\u202f", " ")
