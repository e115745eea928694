"""The retention clock: one year (configurable) after the latest end of an intervention or a
contract, or after the last activity of a client who never had either."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from models import db
from models.client import Client
from models.contract import Contract
from models.user import User
from services.retention import (
    LAST_ACTIVITY,
    clocks_running_out,
    register_end_source,
    retention_clock,
)
from tests.fixtures.accounts import page_text
from tests.fixtures.contracts import make_contract
from tests.fixtures.devices import add_intervention, client_id_of


@pytest.fixture
def client_id(app, auth):
    user_id = auth.create_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        user.last_login_at = datetime(2025, 6, 1, 10, 0)
        db.session.commit()
    return client_id_of(app, user_id)


def clock_of(app, client_id):
    with app.app_context():
        return retention_clock(db.session, client_id)


def test_without_intervention_or_contract_the_clock_starts_at_the_last_login(app, client_id):
    clock = clock_of(app, client_id)
    assert (clock.source, clock.started_on, clock.ends_on) == (
        LAST_ACTIVITY,
        date(2025, 6, 1),
        date(2026, 6, 1),
    )


def test_the_end_of_the_latest_intervention_starts_the_clock(app, client_id):
    add_intervention(
        app,
        client_id,
        starts_at=datetime(2026, 2, 1, 9),
        status="done",
        ended_at=datetime(2026, 2, 3, 17),
    )
    add_intervention(app, client_id, starts_at=datetime(2025, 12, 1, 9))
    clock = clock_of(app, client_id)
    assert (clock.source, clock.started_on, clock.ends_on) == (
        "interventions",
        date(2026, 2, 3),
        date(2027, 2, 3),
    )


def test_a_contract_ending_later_than_the_interventions_keeps_the_data_longer(app, client_id):
    add_intervention(app, client_id, starts_at=datetime(2026, 2, 1, 9))
    make_contract(app, client_id, starts_on=date(2026, 1, 1), term_months=12)
    clock = clock_of(app, client_id)
    assert (clock.source, clock.started_on, clock.ends_on) == (
        "contracts",
        date(2026, 12, 31),
        date(2027, 12, 31),
    )


def test_a_cancelled_contract_ends_the_day_it_was_cancelled(app, client_id):
    contract_id = make_contract(app, client_id, starts_on=date(2026, 1, 1), term_months=12)
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        contract.status = "cancelled"
        contract.ended_at = datetime(2026, 4, 15, 11, 30)
        db.session.commit()
    clock = clock_of(app, client_id)
    assert (clock.source, clock.started_on) == ("contracts", date(2026, 4, 15))


@pytest.mark.settings(RETENTION_AFTER_END_DAYS=30)
def test_the_period_is_a_setting(app, client_id):
    assert clock_of(app, client_id).ends_on == date(2025, 7, 1)


def test_clocks_running_out_lists_the_clients_due_soonest_first(app, auth, client_id):
    later = client_id_of(app, auth.create_client(email="later@example.fr"))
    make_contract(app, later, starts_on=date(2026, 1, 1), term_months=12)
    with app.app_context():
        due = clocks_running_out(db.session, date(2026, 5, 20), within_days=30)
        assert [c.client_id for c in due] == [client_id]
        due = clocks_running_out(db.session, date(2027, 12, 20), within_days=30)
        assert [c.client_id for c in due] == [client_id, later]


def test_an_unknown_client_has_no_clock(app, client_id):
    assert clock_of(app, client_id + 1000) is None


# --- As the pages show it -------------------------------------------------------------------


def test_the_client_sees_until_when_their_data_are_kept(app, client, auth, client_id):
    make_contract(app, client_id, starts_on=date(2026, 1, 1), term_months=12)
    auth.login()
    text = page_text(client.get("/account/privacy"))
    assert "Vos données sont conservées jusqu'au 31 décembre 2027" in text
    assert "365 jours après la fin du dernier contrat ou abonnement" in text


@pytest.fixture
def admin(app, auth, client_id):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def test_the_admin_client_page_shows_the_retention_end(app, client, admin):
    add_intervention(app, admin, starts_at=datetime(2026, 2, 1, 9))
    text = page_text(client.get(f"/admin/clients/{admin}"))
    assert "Conservation des données" in text
    assert "Jusqu'au 01/02/2027" in text or "Jusqu'au 1 févr. 2027" in text, text


def test_admins_list_the_clients_whose_retention_ends_soon(app, client, auth, admin):
    later = client_id_of(app, auth.create_client(email="later@example.fr", last_name="Tardif"))
    make_contract(app, later, starts_on=date(2026, 1, 1), term_months=12)
    # "me" (last login 1 June 2025) is kept until 1 June 2026; "later" until 31 December 2027.
    with time_machine.travel("2026-12-03 10:00:00+00:00", tick=False):
        auth.login("admin@example.fr", totp=True)
        text = page_text(client.get("/admin/gdpr/retention"))
        assert "dépassé" in text and "dernière activité" in text and "Tardif" not in text
        assert "Tardif" not in page_text(client.get("/admin/gdpr/retention?within=365"))
    with time_machine.travel("2027-12-10 10:00:00+00:00", tick=False):
        auth.login("admin@example.fr", totp=True)
        text = page_text(client.get("/admin/gdpr/retention?within=bad"))  # 30 days
        assert "Tardif" in text and "21 jours" in text


def test_a_client_cannot_open_the_retention_list(client, auth, client_id):
    auth.login()
    assert client.get("/admin/gdpr/retention").status_code == 404


def test_a_source_registered_later_counts_in_the_next_clock(app, client_id):
    """The union of the sources is kept once built; a new source replaces it."""
    assert clock_of(app, client_id).source == LAST_ACTIVITY
    register_end_source(
        app, "archives", lambda: sa.select(Client.id, sa.literal(date(2030, 1, 1), sa.Date))
    )
    clock = clock_of(app, client_id)
    assert (clock.source, clock.started_on) == ("archives", date(2030, 1, 1))
