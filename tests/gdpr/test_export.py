"""Export of a client's data: every declared personal datum of theirs, nothing of another, in
JSON, CSV and a readable page, with their documents; from their privacy page, by an admin, and
by `flask --app app gdpr export EMAIL`."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from services.client_documents import zip_stream
from tests.fixtures.contracts import make_contract
from tests.fixtures.devices import add_device, add_intervention, add_licence, client_id_of
from tests.fixtures.invoices import PRIVATE, SELLER, make_issued
from tests.fixtures.tickets import add_attachment, add_ticket

pytestmark = pytest.mark.settings(**SELLER)

MINE = {
    "email": "zoe@example.fr",
    "last name": "Exportable",
    "phone": "0611223344",
    "serial": "SER-MINE-42",
    "licence key": "KEY-MINE-9999",
    "device note": "Note <script>alert(1)</script> de Zoé",
    "intervention report": "Rapport de Zoé",
    "ticket body": "Mon imprimante à moi",
    "contract title": "Maintenance de Zoé",
}
THEIRS = ("autre@example.fr", "Autrui", "SER-OTHER-13", "Rapport d'autrui")


def give_everything(app, client_id, serial, note, report, body, title, key):
    device_id = add_device(app, client_id, serial=serial, notes=note)
    add_licence(app, client_id, key=key, device_id=device_id)
    add_intervention(
        app, client_id, status="done", ended_at=datetime(2026, 3, 1, 12), report=report
    )
    ticket_id = add_ticket(app, client_id, body=f"<p>{body}</p>")
    add_attachment(app, ticket_id, filename="capture.png")
    make_contract(app, client_id, title=title)
    make_issued(app, client_id)


@pytest.fixture
def zoe(app, auth):
    me = client_id_of(
        app,
        auth.create_client(
            email=MINE["email"], last_name="Exportable", phone="0611223344", **PRIVATE
        ),
    )
    give_everything(
        app,
        me,
        MINE["serial"],
        MINE["device note"],
        MINE["intervention report"],
        MINE["ticket body"],
        MINE["contract title"],
        MINE["licence key"],
    )
    other = client_id_of(app, auth.create_client(email="autre@example.fr", last_name="Autrui"))
    give_everything(
        app,
        other,
        "SER-OTHER-13",
        "Note d'autrui",
        "Rapport d'autrui",
        "Panne d'autrui",
        "Contrat d'autrui",
        "KEY-OTHER-1",
    )
    return me


def archive_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def everything_in(archive: zipfile.ZipFile) -> str:
    return "\n".join(
        archive.read(name).decode("utf-8", "replace")
        for name in archive.namelist()
        if not name.startswith("documents/")
    )


def test_the_client_gets_every_datum_of_theirs_and_none_of_another(app, client, auth, zoe):
    auth.login(MINE["email"])
    archive = archive_of(client.get("/account/privacy/export"))
    text = everything_in(archive)
    data = json.dumps(json.loads(archive.read("donnees.json"))["tables"], ensure_ascii=False)
    missing = [what for what, value in MINE.items() if value not in data]
    assert missing == []
    assert not [value for value in THEIRS if value in text]
    names = archive.namelist()
    assert {"donnees.json", "resume.html", "tables/client.csv", "tables/device.csv"} <= set(names)
    assert any(n.startswith("documents/tickets/") for n in names)
    assert any(n.startswith("documents/") and n.endswith(".pdf") for n in names)
    assert "password_hash" not in text and "totp_secret" not in text


def test_the_tables_read_back_as_csv_and_the_summary_escapes_what_was_typed(app, client, auth, zoe):
    auth.login(MINE["email"])
    archive = archive_of(client.get("/account/privacy/export"))
    rows = list(
        csv.DictReader(
            io.StringIO(archive.read("tables/device.csv").decode("utf-8-sig")), delimiter=";"
        )
    )
    assert [row["serial_number"] for row in rows] == [MINE["serial"]]
    summary = archive.read("resume.html").decode()
    assert "<script>alert(1)</script>" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary


def test_the_export_is_logged(app, client, auth, zoe):
    auth.login(MINE["email"])
    client.get("/account/privacy/export").get_data()
    with app.app_context():
        entry = db.session.scalars(
            sa.select(ActivityLog).where(ActivityLog.action == "gdpr.export_downloaded")
        ).one()
        assert (entry.target_type, entry.target_id) == ("client", zoe)


def test_an_admin_exports_a_clients_data_and_a_client_cannot(app, client, auth, zoe):
    auth.login(MINE["email"])
    assert client.get(f"/admin/clients/{zoe}/export").status_code == 404
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    text = everything_in(archive_of(client.get(f"/admin/clients/{zoe}/export")))
    assert MINE["serial"] in text and "SER-OTHER-13" not in text


def test_the_command_writes_the_export(app, runner, zoe, tmp_path):
    target = tmp_path / "zoe.zip"
    result = runner.invoke(args=["gdpr", "export", MINE["email"], "--output", str(target)])
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(target)
    assert MINE["serial"] in archive.read("donnees.json").decode()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    result = runner.invoke(args=["gdpr", "export", "personne@example.fr"])
    assert result.exit_code != 0 and "Aucun client" in result.output


def test_the_stream_holds_no_more_than_one_file_at_a_time(app, zoe):
    from models.client import Client
    from services.export import export_documents, export_tables

    with app.test_request_context():
        found = db.session.get(Client, zoe)
        pieces = list(zip_stream(export_documents(found, export_tables(found), "<p>résumé</p>")))
    assert len(pieces) > 3 and max(len(p) for p in pieces) < 2 * 1024 * 1024
