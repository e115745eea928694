"""The PDF of an issued invoice: every French mention, PDF/A-3 with a valid Factur-X XML, the
same bytes at every download, each download kept and logged."""

import hashlib
import io
import re
import zipfile
from datetime import date

import facturx
import pypdf
import pytest
import sqlalchemy as sa
from lxml import etree

from models import db
from models.activity import ActivityLog
from models.invoice import Invoice, InvoiceDownload
from services import file_store
from tests.fixtures.database import count_rows
from tests.fixtures.invoices import (
    BOOK,
    HOUR,
    PRIVATE,
    PROFESSIONAL,
    SELLER,
    client_of,
    make_draft,
    make_issued,
)

pytestmark = pytest.mark.settings(**SELLER)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def stored_pdf(app, invoice_id) -> bytes:
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        with file_store.open(invoice.pdf_stored_name) as stored:
            return stored.read()


SELLER_MENTIONS = [
    "E.M.P COMPUTER INFORMATIQUE",
    "SARL au capital de 10 000 €",
    "9 Avenue Edith Wharton",
    "SIREN : 123456789",
    "RCS Toulon 123 456 789",
    "N° TVA intracommunautaire : FR32123456789",
]
COMMON_MENTIONS = [
    "Facture n° 2026-00001",
    "Date d'émission : 02/03/2026",
    "Date de la prestation ou de la vente : 28/02/2026",
    "Date d'échéance : 01/04/2026",
    "Catégorie de l'opération : Prestation de services",
    "Assistance sur site (heure)",
    "1,5",
    "60,00 €",
    "TVA 20 % sur 90,00 € 18,00 €",
    "TVA 5,5 % sur 20,00 € 1,10 €",
    "Total HT 110,00 €",
    "Total TVA 19,10 €",
    "Total TTC 129,10 €",
]
PROFESSIONAL_MENTIONS = [
    "Cabinet Durand SARL",
    "SIREN : 732829320",
    "N° TVA intracommunautaire : FR44732829320",
    "Pénalités de retard : taux BCE majoré de 10 points",
    "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €",
    "Pas d'escompte pour paiement anticipé",
]


@pytest.mark.parametrize(
    ("fields", "expected", "absent"),
    [
        pytest.param(PROFESSIONAL, PROFESSIONAL_MENTIONS, [], id="professional"),
        pytest.param(
            PRIVATE,
            ["Marie Martin", "12 rue des Palmiers", "83400 Hyères"],
            ["40 €", "Pénalités de retard", "SIREN : 7"],
            id="private",
        ),
    ],
)
def test_the_pdf_holds_every_mandatory_mention(app, auth, fields, expected, absent):
    client_id = client_of(app, auth.create_client(**fields))
    invoice_id = make_issued(
        app, client_id, lines=(HOUR, BOOK), day=date(2026, 3, 2), service_date=date(2026, 2, 28)
    )
    text = pdf_text(stored_pdf(app, invoice_id))
    for mention in SELLER_MENTIONS + COMMON_MENTIONS + expected:
        assert mention in text, mention
    for mention in absent:
        assert mention not in text, mention


@pytest.mark.settings(SELLER_VAT_EXEMPT=True, SELLER_VAT_NUMBER=None)
def test_a_seller_under_the_vat_franchise_says_so(app, auth):
    client_id = client_of(app, auth.create_client())
    invoice_id = make_issued(app, client_id, lines=(("Forfait", 1000, 5000, 0, 0),))
    text = pdf_text(stored_pdf(app, invoice_id))
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "TVA intracommunautaire" not in text


def test_the_seller_details_are_frozen_at_issue(app, auth):
    client_id = client_of(app, auth.create_client())
    invoice_id = make_issued(app, client_id)
    app.config["SELLER_ADDRESS"] = "1 rue Nouvelle\n83000 Toulon"
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert "Edith Wharton" in invoice.seller["address"]


def test_the_pdf_is_pdf_a_3_with_a_factur_x_xml_valid_against_its_schema(app, auth):
    client_id = client_of(app, auth.create_client(**PROFESSIONAL))
    invoice_id = make_issued(app, client_id, lines=(HOUR, BOOK, ("Câble", 2000, 1299, 2000, 1000)))
    data = stored_pdf(app, invoice_id)
    name, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(data), check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="basic")
    assert facturx.get_level(etree.fromstring(xml)) == "basic"
    assert (
        b"pdfaid:part" in data
        or b"<pdfaid:part>3" in pypdf.PdfReader(io.BytesIO(data)).xmp_metadata.stream.get_data()
    )


def test_the_credit_note_xml_names_the_invoice_it_corrects(app, auth):
    from tests.fixtures.invoices import issue_draft

    client_id = client_of(app, auth.create_client())
    invoice_id = make_issued(app, client_id, day=date(2026, 3, 2))
    note_id = make_draft(app, client_id, kind="credit_note", corrects_id=invoice_id)
    issue_draft(app, note_id, date(2026, 3, 5))
    data = stored_pdf(app, note_id)
    _, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(data), check_xsd=False)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="basic")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert b"2026-00001" in xml
    assert "Avoir sur la facture n° 2026-00001 du 02/03/2026" in pdf_text(data)


def test_downloads_send_the_same_bytes_with_safe_headers(app, client, auth, billing_clients):
    auth.login()
    invoice_id = billing_clients.me.invoice_id
    first = client.get(f"/invoices/{invoice_id}/pdf")
    second = client.get(f"/invoices/{invoice_id}/pdf")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert first.data.startswith(b"%PDF-")
    with app.app_context():
        assert (
            hashlib.sha256(first.data).hexdigest() == db.session.get(Invoice, invoice_id).pdf_sha256
        )
    assert first.headers["Content-Type"] == "application/pdf"
    assert first.headers["Content-Disposition"] == 'attachment; filename="facture-2026-00001.pdf"'
    assert first.headers["Cache-Control"] == "private, no-store"
    assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_each_download_is_kept_with_its_time_and_logged(app, client, auth, billing_clients):
    auth.login()
    invoice_id = billing_clients.me.invoice_id
    for _ in range(2):
        client.get(f"/invoices/{invoice_id}/pdf")
    with app.app_context():
        downloads = db.session.scalars(
            sa.select(InvoiceDownload).where(InvoiceDownload.invoice_id == invoice_id)
        ).all()
        assert len(downloads) == 2
        assert all(d.by_client and d.downloaded_at for d in downloads)
    assert count_rows(app, ActivityLog, ActivityLog.action == "invoice.downloaded") == 2


def test_an_admin_download_is_not_a_client_download(app, client, auth, billing_clients):
    auth.login(billing_clients.admin_email, totp=True)
    me = billing_clients.me
    response = client.get(f"/admin/clients/{me.client_id}/invoices/{me.invoice_id}/pdf")
    assert response.status_code == 200
    with app.app_context():
        download = db.session.scalar(sa.select(InvoiceDownload))
        assert download.by_client is False


def test_the_zip_holds_every_document_of_the_client_and_none_of_another(
    app, client, auth, billing_clients
):
    me, other = billing_clients.me, billing_clients.other
    from tests.fixtures.invoices import issue_draft

    note_id = make_draft(app, me.client_id, kind="credit_note", corrects_id=me.invoice_id)
    issue_draft(app, note_id)
    make_draft(app, me.client_id)  # a draft is not a document yet
    auth.login()
    response = client.get("/account/documents.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == [
        "avoirs/avoir-AV-2026-00001.pdf".replace("2026", str(date.today().year)),
        f"factures/facture-{date.today().year}-00001.pdf",
    ]
    assert archive.read(f"factures/facture-{date.today().year}-00001.pdf") == stored_pdf(
        app, me.invoice_id
    )
    assert stored_pdf(app, other.invoice_id) not in [archive.read(n) for n in archive.namelist()]
    assert count_rows(app, InvoiceDownload, InvoiceDownload.invoice_id == me.invoice_id) == 1


def test_a_pdf_not_made_at_issue_is_made_at_the_first_download_then_kept(app, client, auth):
    from blueprints.invoices.billing import issue_invoice, prepare_issue

    client_id = client_of(app, auth.create_client())
    invoice_id = make_draft(app, client_id)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        prepare_issue(invoice, date(2026, 3, 2))
        issue_invoice(invoice, date(2026, 3, 2))
        db.session.commit()
        assert invoice.pdf_stored_name is None
    auth.login()
    first = client.get(f"/invoices/{invoice_id}/pdf")
    second = client.get(f"/invoices/{invoice_id}/pdf")
    assert first.status_code == 200 and first.data == second.data
    with app.app_context():
        assert (
            db.session.get(Invoice, invoice_id).pdf_sha256 == hashlib.sha256(first.data).hexdigest()
        )
    assert (
        len(
            list(
                (
                    app.instance_path and __import__("pathlib").Path(app.instance_path, "files")
                ).iterdir()
            )
        )
        == 1
    )
