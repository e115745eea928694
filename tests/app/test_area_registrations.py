"""Areas plug their panels, search extensions and demo steps into the app that registers them."""

from __future__ import annotations

from flask import Flask

from app import create_app
from blueprints.account.demo import demo_profile_history
from blueprints.contracts.demo import add_demo_contracts
from blueprints.devices.demo import add_demo_devices
from blueprints.devices.rules import find_client_ids_by_serial
from blueprints.interventions.demo import add_demo_interventions
from blueprints.invoices.demo import add_demo_invoices
from blueprints.tickets.demo import add_demo_tickets
from commands.demo import DEMO_STEPS, register_demo_step
from services import client_search
from web import dashboard


def registrations(app: Flask) -> dict:
    """What the areas registered on ``app``: panel names by audience, extensions, demo steps."""
    panels = app.extensions.get(dashboard.EXTENSION, {})
    return {
        "panels": {audience: sorted(by_name) for audience, by_name in panels.items()},
        "search": list(app.extensions.get(client_search.EXTENSION, [])),
        "demo": list(app.extensions.get(DEMO_STEPS, [])),
    }


def test_every_area_registers_on_the_app(app):
    assert registrations(app) == {
        "panels": {
            "client": ["contracts", "devices", "interventions", "invoices", "profile", "tickets"],
            "admin": ["activity_seal", "backups", "clients", "interventions", "tickets"],
            "admin_client": [
                "contracts",
                "devices",
                "interventions",
                "invoices",
                "retention",
                "tickets",
            ],
        },
        "search": [find_client_ids_by_serial],
        # Devices before interventions: the demo interventions are on the demo devices.
        "demo": [
            demo_profile_history,
            add_demo_devices,
            add_demo_interventions,
            add_demo_tickets,
            add_demo_invoices,
            add_demo_contracts,
        ],
    }


def test_two_apps_of_one_process_do_not_share_registrations(app):
    other = create_app(dict(app.config, INSTANCE_PATH=app.instance_path))
    assert registrations(other) == registrations(app)  # the same areas, each counted once
    for name in (dashboard.EXTENSION, client_search.EXTENSION, DEMO_STEPS):
        assert other.extensions[name] is not app.extensions[name]

    dashboard.register_panel(other, "client", "extra", "x.html", lambda **_: {})
    client_search.register_search_extension(other, lambda text: None)
    register_demo_step(other, lambda admin, clients: None)

    assert "extra" not in registrations(app)["panels"]["client"]
    assert registrations(app)["search"] == [find_client_ids_by_serial]
    assert len(registrations(app)["demo"]) == 6
    assert len(registrations(other)["demo"]) == 7


def test_an_app_gets_only_the_areas_it_registers():
    from blueprints.devices import bp

    bare = Flask(__name__)
    bare.register_blueprint(bp)
    assert registrations(bare) == {
        "panels": {"client": ["devices"], "admin": [], "admin_client": ["devices"]},
        "search": [find_client_ids_by_serial],
        "demo": [add_demo_devices],
    }
