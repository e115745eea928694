"""Demo data of devices and interventions; the panels this area plugs into the dashboards."""

from datetime import timedelta

import sqlalchemy as sa

from blueprints.devices.rules import serial_number
from models import db, utcnow
from models.client import Client
from models.device import Device, Licence
from models.intervention import STATUSES, Intervention
from tests.fixtures.devices import add_device, add_intervention, client_id_of


def test_demo_gives_each_client_devices_a_licence_and_every_status(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for client in db.session.scalars(sa.select(Client)):
            devices = db.session.scalars(
                sa.select(Device).where(Device.client_id == client.id)
            ).all()
            assert devices and all(serial_number(d) for d in devices)
            assert (
                db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Licence)
                    .where(Licence.client_id == client.id)
                )
                == 1
            )
            statuses = set(
                db.session.scalars(
                    sa.select(Intervention.status).where(Intervention.client_id == client.id)
                )
            )
            assert statuses == set(STATUSES)


def test_client_panels_show_recent_interventions_and_devices(app, client, auth):
    user_id = auth.create_client()
    client_id = client_id_of(app, user_id)
    add_device(app, client_id)
    intervention_id = add_intervention(app, client_id)
    auth.login()
    html = client.get("/account").get_data(as_text=True)
    assert 'id="panel-devices"' in html and 'id="panel-interventions"' in html
    assert f"/account/interventions/{intervention_id}" in html
    assert "1 équipement enregistré" in html


def test_admin_home_panel_lists_today_and_in_progress(app, client, auth):
    client_id = client_id_of(app, auth.create_client())
    today = add_intervention(app, client_id, starts_at=utcnow().replace(microsecond=0))
    running = add_intervention(
        app, client_id, starts_at=utcnow() - timedelta(days=3), status="in_progress"
    )
    later = add_intervention(app, client_id, starts_at=utcnow() + timedelta(days=3))
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    html = client.get("/admin").get_data(as_text=True)
    assert f"/admin/interventions/{today}" in html
    assert f"/admin/interventions/{running}" in html
    assert f"/admin/interventions/{later}" not in html


def test_admin_client_page_sections(app, client, auth):
    client_id = client_id_of(app, auth.create_client())
    add_device(app, client_id)
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    html = client.get(f"/admin/clients/{client_id}").get_data(as_text=True)
    assert f"/admin/clients/{client_id}/devices" in html
    assert f"/admin/clients/{client_id}/interventions/new" in html


def test_demo_interventions_start_at_different_times_one_workshop_job_today(app, runner):
    """Three demo clients do not have their interventions at the same hours."""
    runner.invoke(args=["demo"])
    with app.app_context():
        starts = db.session.scalars(sa.select(Intervention.starts_at)).all()
        in_progress = db.session.scalars(
            sa.select(Intervention.starts_at).where(Intervention.status == "in_progress")
        ).all()
    assert len(set(starts)) == len(starts)
    assert len({s.date() for s in in_progress}) == len(in_progress)


def test_technician_is_shown_by_name(app, client, auth, runner):
    from commands.demo import DEMO_ADMIN, DEMO_ADMIN_NAME

    runner.invoke(args=["demo"])
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    listing = client.get("/admin/interventions").get_data(as_text=True)
    assert DEMO_ADMIN_NAME in listing and DEMO_ADMIN not in listing
    with app.app_context():
        intervention_id = db.session.scalar(sa.select(Intervention.id).limit(1))
    detail = client.get(f"/admin/interventions/{intervention_id}").get_data(as_text=True)
    assert DEMO_ADMIN_NAME in detail
