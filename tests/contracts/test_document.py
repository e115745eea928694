"""The contract sheet (PDF): downloaded by the client and by admins, the same bytes each time,
logged, another client's is 404, and it is in the client's "all my documents" ZIP."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import db
from models.activity import ActivityLog
from tests.fixtures.invoices import SELLER

pytestmark = pytest.mark.settings(**SELLER)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_client_downloads_their_contract_sheet_twice_the_same(
    app, client, auth, contract_clients
):
    me = contract_clients.me
    auth.login()
    url = f"/contracts/{me.contract_id}/pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == (
        f'attachment; filename="contrat-{me.contract_id}.pdf"'
    )
    assert first.headers["Cache-Control"] == "private, no-store"
    assert client.get(url).get_data() == first.get_data()
    text = text_of(first.get_data())
    assert "Maintenance du poste" in text and "Conditions particulières" in text
    assert SELLER["SELLER_NAME"] in text and "L215-1" in text  # a private client, tacit
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ActivityLog.action == "contract.downloaded")
            )
            == 2
        )


def test_another_clients_sheet_is_404_for_both_url_forms(client, auth, contract_clients):
    other = contract_clients.other
    auth.login()
    assert client.get(f"/contracts/{other.contract_id}/pdf").status_code == 404
    auth.login("admin@example.fr", totp=True)
    me = contract_clients.me
    wrong = f"/admin/clients/{me.client_id}/contracts/{other.contract_id}/pdf"
    assert client.get(wrong).status_code == 404
    right = f"/admin/clients/{other.client_id}/contracts/{other.contract_id}/pdf"
    response = client.get(right)
    assert response.status_code == 200
    assert "L215-1" not in text_of(response.get_data())  # a company: no consumer notice


def test_the_zip_of_my_documents_holds_my_contract_and_not_anothers(client, auth, contract_clients):
    auth.login()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/documents.zip").get_data()))
    names = archive.namelist()
    assert f"contrats/contrat-{contract_clients.me.contract_id}.pdf" in names
    assert f"contrats/contrat-{contract_clients.other.contract_id}.pdf" not in names
    sheet = archive.read(f"contrats/contrat-{contract_clients.me.contract_id}.pdf")
    assert sheet.startswith(b"%PDF")


def test_the_contract_page_links_its_sheet(client, auth, contract_clients):
    auth.login()
    page = client.get(f"/contracts/{contract_clients.me.contract_id}").get_data(as_text=True)
    assert f'href="/contracts/{contract_clients.me.contract_id}/pdf"' in page
