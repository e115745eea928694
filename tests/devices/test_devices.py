"""Devices and licences: pages, forms, encryption at rest, reveals, search by serial number."""

import pytest
import sqlalchemy as sa

from blueprints.devices.rules import find_client_ids_by_serial, normalise_serial
from models import db
from models.activity import ActivityLog
from models.device import Device, Licence
from tests.fixtures.database import count_rows
from tests.fixtures.devices import add_device, add_licence, client_id_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def me(app, auth):
    """A logged-in client; returns their client id."""
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    return client_id


@pytest.fixture
def admin_for(app, auth):
    """A logged-in admin and a client; returns the client id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def actions(app, name):
    with app.app_context():
        return db.session.scalars(sa.select(ActivityLog).where(ActivityLog.action == name)).all()


# ---------------------------------------------------------------- client pages


def test_client_without_devices_sees_what_to_do_next(client, me):
    page = client.get("/account/devices").get_data(as_text=True)
    assert "Aucun équipement enregistré" in page
    assert "Ajouter un équipement" in page


def test_client_sees_own_devices_with_serial_masked(app, client, me):
    add_device(app, me, name="Portable de Marie", serial="PF3K9XZ2")
    page = client.get("/account/devices").get_data(as_text=True)
    assert "Portable de Marie" in page
    assert "PF3K9XZ2" not in page
    assert "9XZ2" in page  # the last characters only


def test_reveal_serial_answers_clear_value_uncached_and_logs_it(app, client, me):
    device_id = add_device(app, me, serial="PF3K9XZ2")
    response = client.post(f"/account/devices/{device_id}/serial", headers=HTMX)
    assert response.status_code == 200
    assert "PF3K9XZ2" in response.get_data(as_text=True)
    assert f'id="serial-{device_id}"' in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    (entry,) = actions(app, "device.serial_revealed")
    assert (entry.target_type, entry.target_id) == ("device", device_id)
    assert "PF3K9XZ2" not in (entry.detail or "")


def test_reveal_without_htmx_shows_a_page(app, client, me):
    device_id = add_device(app, me, serial="PF3K9XZ2")
    response = client.post(f"/account/devices/{device_id}/serial")
    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)
    assert "PF3K9XZ2" in response.get_data(as_text=True)


def test_reveal_licence_key_is_logged(app, client, me):
    licence_id = add_licence(app, me, key="VK7JG-NPHTM")
    page = client.get("/account/licences").get_data(as_text=True)
    assert "VK7JG-NPHTM" not in page
    response = client.post(f"/account/licences/{licence_id}/key", headers=HTMX)
    assert "VK7JG-NPHTM" in response.get_data(as_text=True)
    assert len(actions(app, "licence.key_revealed")) == 1


def test_client_device_page_lists_its_licences(app, client, me):
    device_id = add_device(app, me, name="Poste accueil")
    add_licence(app, me, product="Antivirus ESET", device_id=device_id)
    page = client.get(f"/account/devices/{device_id}").get_data(as_text=True)
    assert "Poste accueil" in page and "Antivirus ESET" in page


@pytest.mark.parametrize(("allowed", "status", "button"), [(True, 200, True), (False, 404, False)])
def test_client_may_add_devices_only_when_allowed(app, client, auth, allowed, status, button):
    app.config["CLIENTS_MAY_ADD_DEVICES"] = allowed
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    assert client.get("/account/devices/new").status_code == status
    assert (
        "/account/devices/new" in client.get("/account/devices").get_data(as_text=True)
    ) is button
    response = client.post(
        "/account/devices/new",
        data={"name": "Ma tablette", "type": "tablet", "serial_number": "T1"},
    )
    assert response.status_code == (303 if allowed else 404)
    assert count_rows(app, Device, Device.client_id == client_id) == (1 if allowed else 0)


def test_client_adds_a_device_and_it_is_logged(app, client, me):
    response = client.post(
        "/account/devices/new",
        data={"name": "Ma tablette", "type": "tablet", "model": "iPad", "serial_number": "DMPX 1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/devices")
    with app.app_context():
        device = db.session.scalar(sa.select(Device))
        assert (device.client_id, device.name, device.type) == (me, "Ma tablette", "tablet")
    assert len(actions(app, "device.created")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "type": "laptop", "model": "Lenovo X1"}, "Donnez un nom à l"),
        ({"name": "PC", "type": "grille-pain", "model": "Lenovo X1"}, "Choisissez un type"),
        (
            {"name": "PC", "type": "laptop", "model": "Lenovo X1", "serial_number": "9" * 101},
            "100 caractères au plus.",
        ),
    ],
)
def test_invalid_device_answers_422_with_message_and_typing_kept(app, client, me, data, message):
    response = client.post(
        "/account/devices/new", data=data, headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="Lenovo X1"' in page
    assert count_rows(app, Device) == 0


# ---------------------------------------------------------------- admins


def test_admin_creates_edits_and_deletes_a_device(app, client, admin_for):
    base = f"/admin/clients/{admin_for}/devices"
    response = client.post(
        f"{base}/new", data={"name": "Serveur", "type": "server", "serial_number": "SRV-42"}
    )
    assert response.status_code == 303
    with app.app_context():
        device_id = db.session.scalar(sa.select(Device.id))
    edit = client.get(f"{base}/{device_id}/edit").get_data(as_text=True)
    assert "SRV-42" not in edit  # the form never carries the stored serial number

    client.post(f"{base}/{device_id}/edit", data={"name": "Serveur NAS", "type": "nas"})
    with app.app_context():
        from blueprints.devices.rules import serial_number

        device = db.session.get(Device, device_id)
        assert (device.name, device.type, serial_number(device)) == ("Serveur NAS", "nas", "SRV-42")

    client.post(
        f"{base}/{device_id}/edit", data={"name": "Serveur NAS", "type": "nas", "clear_serial": "y"}
    )
    with app.app_context():
        device = db.session.get(Device, device_id)
        assert device.serial_number_encrypted is None and device.serial_number_index is None

    licence_id = add_licence(app, admin_for, device_id=device_id)
    page = client.get(base).get_data(as_text=True)
    assert "data-confirm" in page
    response = client.post(f"{base}/{device_id}/delete")
    assert response.status_code == 303
    assert count_rows(app, Device) == 0
    with app.app_context():
        assert db.session.get(Licence, licence_id).device_id is None
    assert [e.target_id for e in actions(app, "device.deleted")] == [device_id]


def test_admin_view_of_client_devices_is_logged(app, client, admin_for):
    client.get(f"/admin/clients/{admin_for}/devices")
    (entry,) = actions(app, "admin.client_viewed")
    assert (entry.target_type, entry.target_id) == ("client", admin_for)


def test_admin_creates_edits_and_deletes_a_licence(app, client, admin_for):
    device_id = add_device(app, admin_for)
    base = f"/admin/clients/{admin_for}/licences"
    response = client.post(
        f"{base}/new",
        data={
            "product": "Microsoft 365",
            "licence_key": "AAAA-BBBB",
            "seats": "5",
            "expires_on": "2027-01-31",
            "device_id": str(device_id),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        from blueprints.devices.rules import licence_key

        licence = db.session.scalar(sa.select(Licence))
        assert (licence.seats, str(licence.expires_on), licence.device_id) == (
            5,
            "2027-01-31",
            device_id,
        )
        assert licence_key(licence) == "AAAA-BBBB"
        licence_id = licence.id
    client.post(f"{base}/{licence_id}/edit", data={"product": "Microsoft 365 E3", "device_id": "0"})
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert (licence.product, licence.device_id, licence_key(licence)) == (
            "Microsoft 365 E3",
            None,
            "AAAA-BBBB",
        )
    assert client.post(f"{base}/{licence_id}/delete").status_code == 303
    assert count_rows(app, Licence) == 0
    assert len(actions(app, "licence.deleted")) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seats", "beaucoup", "Saisissez un nombre entier."),
        ("seats", "0", "Un nombre de postes entre 1 et 100 000."),
        ("expires_on", "31/02/2027", "Saisissez une date valide."),
        ("device_id", "other", "Choisissez un équipement de ce client."),
    ],
)
def test_invalid_licence_answers_422(app, client, auth, admin_for, field, value, message):
    other = client_id_of(app, auth.create_client(email="autre@example.fr"))
    if value == "other":
        value = str(add_device(app, other))
    data = {"product": "Antivirus", "licence_key": "K-1", field: value}
    response = client.post(f"/admin/clients/{admin_for}/licences/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Antivirus"' in page
    assert count_rows(app, Licence) == 0


# ---------------------------------------------------------------- encryption at rest, search


def test_database_holds_no_serial_number_or_licence_key_in_clear(app, client, admin_for):
    client.post(
        f"/admin/clients/{admin_for}/devices/new",
        data={"name": "PC", "type": "desktop", "serial_number": "CLEAR-SERIAL-777"},
    )
    client.post(
        f"/admin/clients/{admin_for}/licences/new",
        data={"product": "Office", "licence_key": "CLEAR-KEY-888", "device_id": "0"},
    )
    with app.app_context():
        device_id = db.session.scalar(sa.select(Device.id))
        licence_id = db.session.scalar(sa.select(Licence.id))
    # Searched for, revealed, edited: none of it may leave the value in any table (the log,
    # the search index, the outbox...).
    client.get("/admin/clients", query_string={"q": "CLEAR-SERIAL-777"})
    client.post(f"/admin/clients/{admin_for}/devices/{device_id}/serial")
    client.post(f"/admin/clients/{admin_for}/licences/{licence_id}/key")
    client.post(
        f"/admin/clients/{admin_for}/devices/{device_id}/edit",
        data={"name": "PC 2", "type": "desktop", "serial_number": "CLEAR-SERIAL-777"},
    )
    with app.app_context():
        dumped = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                dumped.extend(str(v) for v in row)
        for table in ("device", "licence"):
            columns = [c.name for c in db.metadata.tables[table].columns]
            assert any(c.endswith("_encrypted") for c in columns)
    assert dumped, "nothing was written"
    text = " ".join(dumped).upper()
    for secret in ("CLEAR-SERIAL-777", "CLEARSERIAL777", "CLEAR-KEY-888", "CLEARKEY888"):
        assert secret not in text


@pytest.mark.parametrize(
    ("query", "found"),
    [("PF3K9XZ2", True), ("pf3k 9xz2", True), ("PF3K-9XZ2", True), ("PF3K9XZ", False), ("", False)],
)
def test_find_clients_by_serial_number_without_decrypting(app, auth, query, found):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id, serial="PF3K9XZ2")
    with app.app_context():
        ids = db.session.scalars(find_client_ids_by_serial(query)).all()
    assert ids == ([client_id] if found else [])


def test_normalise_serial_ignores_case_and_separators():
    assert normalise_serial(" ab-12.cd/34_ef:5 ") == "AB12CD34EF5"


# ---------------------------------------------------------------- fixed number of queries


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/account/devices", "client"),
        ("/account/licences", "client"),
        ("/admin/clients/{client_id}/devices", "admin"),
    ],
)
def test_device_lists_run_a_fixed_number_of_queries(app, client, auth, count_queries, url, who):
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True) if who == "admin" else auth.login("client@example.fr")
    url = url.format(client_id=client_id)
    counts = []
    for total in (3, 40):
        while count_rows(app, Device) < total:
            n = count_rows(app, Device)
            device_id = add_device(app, client_id, name=f"PC {n}", serial=f"SN{n}")
            add_licence(app, client_id, product=f"Logiciel {n}", device_id=device_id)
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Afficher") >= total
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_names_are_escaped_everywhere_they_are_shown(app, client, admin_for):
    device_id = add_device(app, admin_for, name='<script>alert("x")</script>', serial="<b>SN</b>")
    page = client.get(f"/admin/clients/{admin_for}/devices").get_data(as_text=True)
    assert "<script>alert" not in page
    revealed = client.post(
        f"/admin/clients/{admin_for}/devices/{device_id}/serial", headers=HTMX
    ).get_data(as_text=True)
    assert "<b>SN</b>" not in revealed and "&lt;b&gt;SN&lt;/b&gt;" in revealed


@pytest.mark.parametrize(
    ("added_by_client", "allowed", "status"),
    [(True, True, 200), (False, True, 404), (True, False, 404)],
)
def test_client_changes_only_devices_they_added(
    app, client, auth, added_by_client, allowed, status
):
    app.config["CLIENTS_MAY_ADD_DEVICES"] = allowed
    user_id = auth.create_client()
    client_id = client_id_of(app, user_id)
    device_id = add_device(
        app, client_id, serial="OLD-1", created_by_id=user_id if added_by_client else None
    )
    auth.login()
    assert client.get(f"/account/devices/{device_id}/edit").status_code == status
    page = client.get(f"/account/devices/{device_id}").get_data(as_text=True)
    assert ("data-confirm" in page) is (status == 200)
    response = client.post(
        f"/account/devices/{device_id}/edit", data={"name": "Neuf", "type": "nas"}
    )
    assert response.status_code == (303 if status == 200 else 404)
    response = client.post(f"/account/devices/{device_id}/delete")
    assert response.status_code == (303 if status == 200 else 404)
    assert count_rows(app, Device) == (0 if status == 200 else 1)
    assert len(actions(app, "device.deleted")) == (1 if status == 200 else 0)


def test_admin_client_search_finds_a_client_by_serial_number(app, client, auth):
    client_id = client_id_of(app, auth.create_client(last_name="Serialis"))
    add_device(app, client_id, serial="SN-77-ABC")
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    found = client.get(
        "/admin/clients", query_string={"q": "sn 77 abc"}, headers={"HX-Request": "true"}
    )
    assert "Serialis" in found.get_data(as_text=True)
    missed = client.get(
        "/admin/clients", query_string={"q": "SN-77-XYZ"}, headers={"HX-Request": "true"}
    )
    assert "Serialis" not in missed.get_data(as_text=True)


def test_one_query_finds_clients_by_name_and_by_serial_number_each_once(app, client, auth):
    by_name = client_id_of(app, auth.create_client(last_name="Durand", first_name="Anne"))
    by_serial = client_id_of(app, auth.create_client("b@example.fr", last_name="Petit"))
    add_device(app, by_serial, serial="DURAND")
    add_device(app, by_name, name="Second", serial="AUTRE-1")
    add_device(app, by_name, name="Troisième", serial="AUTRE-2")
    auth.create_client("c@example.fr", last_name="Durand", first_name="Zoé")
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    page = client.get("/admin/clients", query_string={"q": "durand"}, headers=HTMX)
    text = page.get_data(as_text=True)
    assert text.count(f'/admin/clients/{by_name}"') == 1
    assert text.count(f'/admin/clients/{by_serial}"') == 1
    both_words = client.get("/admin/clients", query_string={"q": "durand anne"}, headers=HTMX)
    assert f'/admin/clients/{by_name}"' in both_words.get_data(as_text=True)
    assert "c@example.fr" not in both_words.get_data(as_text=True)
