"""The client's invoice pages: the list (page and htmx fragment, paginated), the detail, the
printable view with the same mentions as the PDF, the empty state."""

import pytest

from tests.fixtures.invoices import SELLER, client_of, make_issued

pytestmark = pytest.mark.settings(**SELLER)


def test_an_empty_list_says_so(client, auth):
    auth.create_client()
    auth.login()
    page = client.get("/invoices").get_data(as_text=True)
    assert "Aucune facture pour le moment." in page
    assert "Télécharger tous mes documents" not in page


def test_the_list_shows_status_amounts_and_due_dates(client, auth, billing_clients):
    auth.login()
    page = client.get("/invoices").get_data(as_text=True)
    assert "2026-00001" in page or "-00001" in page
    assert "108,00" in page and "À payer" in page
    assert "Télécharger tous mes documents" in page


@pytest.mark.settings(PAGE_SIZE=2)
def test_the_list_pages_on_as_an_htmx_fragment(app, client, auth):
    client_id = client_of(app, auth.create_client())
    ids = [make_issued(app, client_id) for _ in range(3)]
    auth.login()
    first = client.get("/invoices")
    assert first.headers["Vary"] and "HX-Request" in first.headers["Vary"]
    text = first.get_data(as_text=True)
    assert f"/invoices/{ids[2]}" in text and f'/invoices/{ids[0]}"' not in text
    assert f"before={ids[1]}" in text
    more = client.get(f"/invoices?before={ids[1]}", headers={"HX-Request": "true"})
    fragment = more.get_data(as_text=True)
    assert "<html" not in fragment
    assert f"/invoices/{ids[0]}" in fragment
    assert "HX-Request" in more.headers["Vary"]


def test_the_printable_view_has_the_mentions_of_the_pdf(client, auth, billing_clients):
    auth.login()
    page = client.get(f"/invoices/{billing_clients.me.invoice_id}/print").get_data(as_text=True)
    for mention in (
        "SIREN : 123456789",
        "RCS Toulon 123 456 789",
        "Total TTC",
        "Date d&#39;échéance",
    ):
        assert mention in page, mention
    assert "data-print" in page and "onclick" not in page


def test_the_detail_page_offers_the_pdf_and_no_admin_action(client, auth, billing_clients):
    auth.login()
    page = client.get(f"/invoices/{billing_clients.me.invoice_id}").get_data(as_text=True)
    assert f"/invoices/{billing_clients.me.invoice_id}/pdf" in page
    assert "Établir un avoir" not in page and "Enregistrer un paiement" not in page
