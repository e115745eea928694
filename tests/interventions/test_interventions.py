"""Interventions: status rules, Paris time, forms, client pages with history, lists, panels."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from blueprints.interventions.rules import (
    InterventionRuleError,
    change_status,
    end_date_problem,
    format_duration,
    last_activity_date,
    parse_duration,
    transition_problem,
)
from models import db, utcnow
from models.activity import ActivityLog
from models.intervention import Intervention
from services.sanitize import sanitize_html
from tests.fixtures.database import count_rows
from tests.fixtures.devices import add_device, add_intervention, client_id_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin_for(app, auth):
    """A logged-in admin and a client; returns the client id."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    return client_id


def get_intervention(app, intervention_id):
    with app.app_context():
        intervention = db.session.get(Intervention, intervention_id)
        _ = intervention.events, intervention.devices
        db.session.expunge_all()
        return intervention


# ---------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("planned", "in_progress", True),
        ("planned", "done", True),
        ("planned", "cancelled", True),
        ("in_progress", "done", True),
        ("in_progress", "cancelled", True),
        ("in_progress", "planned", True),
        ("done", "in_progress", True),
        ("done", "cancelled", False),
        ("done", "planned", False),
        ("cancelled", "planned", True),
        ("cancelled", "done", False),
        ("cancelled", "in_progress", False),
        (None, "done", True),
    ],
)
def test_status_transitions(app, current, new, allowed):
    with app.test_request_context():
        assert (transition_problem(current, new) is None) is allowed


START = datetime(2026, 3, 10, 9, 0)


@pytest.mark.parametrize(
    ("status", "ended_at", "problem"),
    [
        ("done", None, "obligatoire"),
        ("done", START + timedelta(hours=1), None),
        ("done", START - timedelta(hours=1), "précéder"),
        ("planned", START + timedelta(hours=1), "ne s'indique"),
        ("in_progress", None, None),
        ("cancelled", None, None),
    ],
)
def test_end_date_rules(app, status, ended_at, problem):
    with app.test_request_context():
        found = end_date_problem(status, START, ended_at)
        assert (found is None) if problem is None else (problem in str(found))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("1:30", 90), ("1h30", 90), ("2h", 120), (" 45 min ", 45), ("", None)],
)
def test_parse_duration(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["1:75", "une heure", "-5", "1.5"])
def test_unreadable_duration_is_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("minutes", "shown"), [(0, "0:00"), (5, "0:05"), (90, "1:30"), (None, "")])
def test_format_duration(minutes, shown):
    assert format_duration(minutes) == shown


def test_finishing_sets_end_date_and_reopening_clears_it(app, auth):
    client_id = client_id_of(app, auth.create_client())
    intervention_id = add_intervention(app, client_id, starts_at=utcnow() - timedelta(hours=2))
    with app.test_request_context():
        intervention = db.session.get(Intervention, intervention_id)
        change_status(intervention, "done", None)
        assert intervention.ended_at is not None
        change_status(intervention, "in_progress", None)
        assert intervention.ended_at is None
        with pytest.raises(InterventionRuleError):
            change_status(intervention, "in_progress", None)
        assert [e.to_status for e in intervention.events] == ["planned", "done", "in_progress"]


def test_last_activity_date_is_the_latest_end_of_a_finished_intervention(app, auth):
    client_id = client_id_of(app, auth.create_client())
    with app.app_context():
        assert last_activity_date(client_id) is None
    end = datetime(2026, 5, 1, 12, 0)
    add_intervention(app, client_id, status="done", ended_at=end - timedelta(days=30))
    add_intervention(app, client_id, status="done", ended_at=end)
    add_intervention(app, client_id, status="cancelled", ended_at=end + timedelta(days=3))
    with app.app_context():
        assert last_activity_date(client_id) == end


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Disque <strong>remplacé</strong></p>", "<p>Disque <strong>remplacé</strong></p>"),
        ("<script>alert(1)</script>ok", "alert(1)ok"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<img src=x onerror="alert(1)">', ""),
        ("2 < 3", "2 &lt; 3"),
        (
            '<a href="https://emp.fr">site</a>',
            '<a href="https://emp.fr" rel="nofollow noopener noreferrer">site</a>',
        ),
    ],
)
def test_sanitize_html_keeps_only_the_allow_list(dirty, clean):
    assert sanitize_html(dirty) == clean


# ---------------------------------------------------------------- admin forms


def form_data(**overrides):
    data = {
        "starts_at": "2026-07-01T10:00",
        "kind": "on_site",
        "description": "Remplacement du disque",
        "technician_id": "0",
        "minutes_spent": "1:30",
        "status": "planned",
        "ended_at": "",
        "report": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("typed", "stored_utc"),
    [
        ("2026-07-01T10:00", datetime(2026, 7, 1, 8, 0)),
        ("2026-01-15T10:00", datetime(2026, 1, 15, 9, 0)),
    ],
)
def test_admin_creates_intervention_in_paris_time_stored_utc(
    app, client, admin_for, typed, stored_utc
):
    device_id = add_device(app, admin_for)
    response = client.post(
        f"/admin/clients/{admin_for}/interventions/new",
        data=form_data(starts_at=typed, device_ids=[str(device_id)]),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        intervention = db.session.scalar(sa.select(Intervention))
        assert intervention.starts_at == stored_utc
        assert intervention.minutes_spent == 90
        assert [d.id for d in intervention.devices] == [device_id]
        assert [e.to_status for e in intervention.events] == ["planned"]
        edit = client.get(f"/admin/interventions/{intervention.id}/edit").get_data(as_text=True)
    assert f'value="{typed}"' in edit  # shown back in Paris time
    assert 'value="1:30"' in edit


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": ""}, "Décrivez la demande"),
        ({"starts_at": "demain"}, "Date et heure invalides"),
        ({"minutes_spent": "une heure"}, "Durée illisible"),
        ({"status": "planned", "ended_at": "2026-07-01T12:00"}, "ne s&#39;indique"),
        ({"status": "done", "ended_at": "2026-07-01T09:00"}, "précéder"),
        ({"kind": "par pigeon"}, "Choisissez un type"),
    ],
)
def test_invalid_intervention_answers_422_with_typing_kept(
    app, client, admin_for, overrides, message
):
    response = client.post(
        f"/admin/clients/{admin_for}/interventions/new", data=form_data(**overrides)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message.replace("&#39;", "'") in page.replace("&#39;", "'")
    assert "Remplacement du disque" in page or overrides.get("description") == ""
    assert count_rows(app, Intervention) == 0


def test_devices_of_another_client_cannot_be_attached(app, client, auth, admin_for):
    other = client_id_of(app, auth.create_client(email="autre@example.fr"))
    foreign = add_device(app, other)
    response = client.post(
        f"/admin/clients/{admin_for}/interventions/new", data=form_data(device_ids=[str(foreign)])
    )
    assert response.status_code == 422
    assert "Choisissez des équipements de ce client." in response.get_data(as_text=True)


def test_done_without_end_date_gets_one_then_clearing_it_is_refused(app, client, admin_for):
    intervention_id = add_intervention(app, admin_for, starts_at=datetime(2026, 1, 5, 8, 0))
    response = client.post(
        f"/admin/interventions/{intervention_id}/edit",
        data=form_data(starts_at="2026-01-05T09:00", status="done"),
    )
    assert response.status_code == 303
    assert get_intervention(app, intervention_id).ended_at is not None
    response = client.post(
        f"/admin/interventions/{intervention_id}/edit",
        data=form_data(starts_at="2026-01-05T09:00", status="done", ended_at=""),
    )
    assert response.status_code == 422
    assert "obligatoire" in response.get_data(as_text=True)


def test_status_buttons_follow_the_rules_and_are_logged(app, client, admin_for):
    intervention_id = add_intervention(app, admin_for, starts_at=utcnow() - timedelta(hours=1))
    url = f"/admin/interventions/{intervention_id}/status"
    response = client.post(url, data={"status": "in_progress"}, headers=HTMX)
    assert response.status_code == 200
    assert 'id="intervention-status"' in response.get_data(as_text=True)
    client.post(url, data={"status": "done"}, headers=HTMX)
    intervention = get_intervention(app, intervention_id)
    assert (intervention.status, intervention.ended_at is not None) == ("done", True)
    response = client.post(url, data={"status": "cancelled"}, headers=HTMX)
    assert response.status_code == 422
    assert "n&#39;est pas permis" in response.get_data(as_text=True)
    assert get_intervention(app, intervention_id).status == "done"
    with app.app_context():
        logged = db.session.scalars(
            sa.select(ActivityLog.action).where(ActivityLog.target_type == "intervention")
        ).all()
    assert logged.count("intervention.status_changed") == 2


def test_cancelling_asks_confirmation_and_is_logged(app, client, admin_for):
    intervention_id = add_intervention(app, admin_for)
    page = client.get(f"/admin/interventions/{intervention_id}").get_data(as_text=True)
    assert "data-confirm=" in page
    response = client.post(
        f"/admin/interventions/{intervention_id}/status", data={"status": "cancelled"}
    )
    assert response.status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ActivityLog.action == "intervention.cancelled")
            )
            == 1
        )


# ---------------------------------------------------------------- client pages


def test_client_without_interventions_sees_what_to_do_next(client, auth):
    auth.create_client()
    auth.login()
    assert "Aucune intervention pour le moment" in client.get("/account/interventions").get_data(
        as_text=True
    )


def test_client_reads_report_and_history(app, client, admin_for, auth):
    intervention_id = add_intervention(app, admin_for, starts_at=utcnow() - timedelta(hours=3))
    client.post(
        f"/admin/interventions/{intervention_id}/edit",
        data=form_data(
            starts_at="2026-01-05T09:00",
            status="in_progress",
            report="<p>Disque <em>remplacé</em></p><script>alert(1)</script>",
        ),
    )
    client.post(f"/admin/interventions/{intervention_id}/status", data={"status": "done"})
    auth.logout()
    auth.login()
    page = client.get(f"/account/interventions/{intervention_id}").get_data(as_text=True)
    assert "<p>Disque <em>remplacé</em></p>" in page
    assert "<script>alert" not in page
    for label in ("Planifiée", "En cours", "Terminée"):
        assert label in page


def test_client_list_is_newest_first_and_pages_with_htmx(app, client, auth):
    client_id = client_id_of(app, auth.create_client())
    auth.login()
    app.config["PAGE_SIZE"] = 5
    ids = [
        add_intervention(app, client_id, starts_at=datetime(2026, 1, 1, 9) + timedelta(days=i))
        for i in range(7)
    ]
    page = client.get("/account/interventions")
    html = page.get_data(as_text=True)
    assert page.headers["Vary"] == "HX-Request" or "HX-Request" in page.headers["Vary"]
    shown = [i for i in ids if f'/account/interventions/{i}"' in html]
    assert shown == ids[2:]
    assert html.index(f'/account/interventions/{ids[6]}"') < html.index(
        f'/account/interventions/{ids[2]}"'
    )
    import re

    more = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment
    assert [i for i in ids if f'/account/interventions/{i}"' in fragment] == ids[:2]
    assert "hx-get" not in fragment  # last page


@pytest.mark.parametrize(
    "url",
    ["/account/interventions", "/admin/interventions", "/admin/clients/{client_id}/interventions"],
)
def test_intervention_lists_run_a_fixed_number_of_queries(app, client, auth, count_queries, url):
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    if url.startswith("/account"):
        auth.login("client@example.fr")
    else:
        auth.login("admin@example.fr", totp=True)
    with app.app_context():
        from models.user import User

        admin_id = db.session.scalar(sa.select(User.id).where(User.role == "admin"))
    device_id = add_device(app, client_id)
    counts = []
    for total in (3, 40):
        while count_rows(app, Intervention) < total:
            n = count_rows(app, Intervention)
            add_intervention(
                app,
                client_id,
                starts_at=datetime(2026, 1, 1) + timedelta(hours=n),
                device_ids=[device_id],
                technician_id=admin_id,
            )
        with count_queries() as counter:
            response = client.get(url.format(client_id=client_id))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("status", "shown"),
    [("done", ["done"]), ("", ["planned", "done"]), ("bogus", ["planned", "done"])],
)
def test_admin_list_filters_by_status(app, client, admin_for, status, shown):
    ids = {
        "planned": add_intervention(app, admin_for),
        "done": add_intervention(app, admin_for, status="done", ended_at=datetime(2026, 3, 10, 11)),
    }
    page = client.get(f"/admin/interventions?status={status}").get_data(as_text=True)
    assert sorted(s for s, i in ids.items() if f'/admin/interventions/{i}"' in page) == sorted(
        shown
    )
