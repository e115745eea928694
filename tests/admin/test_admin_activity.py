"""The activity log viewer: filters, keyset pagination, CSV export, and reading it is logged."""

import csv
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from tests.fixtures.http import HTMX


def add_entries(app, *entries):
    """Write activity entries straight in the database; each a dict of column values."""
    with app.app_context():
        for values in entries:
            db.session.add(ActivityLog(**values))
        db.session.commit()


def last_action(app):
    with app.app_context():
        return db.session.scalar(sa.select(ActivityLog).order_by(ActivityLog.id.desc()).limit(1))


def test_clients_and_anonymous_never_see_the_log(client, auth):
    assert client.get("/admin/activity").status_code == 302
    auth.create_client()
    auth.login()
    assert client.get("/admin/activity").status_code == 404
    assert client.get("/admin/activity/export.csv").status_code == 404


def test_password_only_admin_session_cannot_read_the_log(client, totp_auth):
    totp_auth.create_admin()
    client.post("/auth/login", data={"email": "admin@example.fr", "password": "x"})
    assert client.get("/admin/activity").status_code == 302


def test_opening_the_viewer_is_logged(app, client, admin_login):
    response = client.get("/admin/activity?action=auth.login")
    assert response.status_code == 200
    entry = last_action(app)
    assert (entry.action, entry.actor_id) == ("activity.viewed", admin_login)
    assert entry.detail == "action=auth.login"


def test_page_and_fragment_from_the_same_url(client, admin_login):
    page = client.get("/admin/activity")
    assert "<html" in page.get_data(as_text=True)
    assert page.headers["Vary"] and "HX-Request" in page.headers["Vary"]
    fragment = client.get("/admin/activity", headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="activity-table"')
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("action=ticket.created", {"ticket.created"}),
        ("target_type=invoice", {"invoice.sent"}),
        ("target_type=invoice&target_id=7", {"invoice.sent"}),
        ("target_id=8", set()),
        ("person=marie@example.fr", {"ticket.created", "auth.login"}),
        ("person=MARIE@example.fr", {"ticket.created", "auth.login"}),
        ("date_from=2026-03-02&date_to=2026-03-02", {"invoice.sent"}),
        ("date_to=2026-03-01", {"ticket.created", "auth.login"}),
    ],
)
def test_filters(app, client, auth, admin_login, query, expected):
    marie = auth.create_client(email="marie@example.fr")
    add_entries(
        app,
        # 1 March 23:30 UTC is already 2 March in Paris (winter time, UTC+1).
        {"action": "ticket.created", "actor_id": marie, "created_at": datetime(2026, 3, 1, 10)},
        {
            "action": "auth.login",
            "target_type": "user",
            "target_id": marie,
            "created_at": datetime(2026, 3, 1, 11),
        },
        {
            "action": "invoice.sent",
            "target_type": "invoice",
            "target_id": 7,
            "created_at": datetime(2026, 3, 1, 23, 30),
        },
    )
    html = client.get(f"/admin/activity?{query}", headers=HTMX).get_data(as_text=True)
    shown = {
        a for a in ("ticket.created", "auth.login", "invoice.sent") if f"<code>{a}</code>" in html
    }
    assert shown == expected


def test_dates_are_shown_in_paris_time(app, client, admin_login):
    add_entries(app, {"action": "invoice.sent", "created_at": datetime(2026, 7, 1, 22, 15)})
    html = client.get("/admin/activity?action=invoice.sent").get_data(as_text=True)
    assert "2 juil. 2026, 00:15:00" in html


def test_invalid_filter_answers_422_with_a_message(client, admin_login):
    response = client.get("/admin/activity?target_id=abc&date_from=hier", headers=HTMX)
    assert response.status_code == 422
    assert "Filtres invalides" in response.get_data(as_text=True)


@pytest.mark.settings(PAGE_SIZE=3)
def test_keyset_pagination_by_id_descending(app, client, admin_login):
    add_entries(app, *({"action": "demo.step", "detail": f"n={i}"} for i in range(7)))
    first = client.get("/admin/activity?action=demo.step").get_data(as_text=True)
    assert [f"n={i}" for i in range(6, -1, -1) if f"n={i}<" in first] == ["n=6", "n=5", "n=4"]
    with app.app_context():
        ids = db.session.scalars(
            sa.select(ActivityLog.id)
            .where(ActivityLog.action == "demo.step")
            .order_by(ActivityLog.id.desc())
        ).all()
    assert f"before={ids[2]}" in first and "action=demo.step" in first
    second = client.get(f"/admin/activity?action=demo.step&before={ids[2]}", headers=HTMX)
    html = second.get_data(as_text=True)
    assert [f"n={i}" for i in range(7) if f"n={i}<" in html] == ["n=1", "n=2", "n=3"]
    last = client.get(f"/admin/activity?action=demo.step&before={ids[5]}", headers=HTMX)
    html = last.get_data(as_text=True)
    assert "n=0<" in html and "suivant" not in html


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_export_of_the_filtered_set_is_logged(app, client, admin_login):
    add_entries(
        app,
        {
            "action": "invoice.sent",
            "target_type": "invoice",
            "target_id": 7,
            "detail": "n=1",
            "created_at": datetime(2026, 1, 15, 9),
        },
        {"action": "ticket.created", "detail": "n=2"},
    )
    response = client.get("/admin/activity/export.csv?action=invoice.sent")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["id", "date (Europe/Paris)", "actor_id"]
    assert len(rows) == 2
    assert rows[1][1] == "2026-01-15 10:00:00" and rows[1][5] == "invoice.sent"
    entry = last_action(app)
    assert (entry.action, entry.detail) == ("activity.exported", "action=invoice.sent")


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd"]
)
def test_csv_neutralises_formulas(app, client, admin_login, value):
    add_entries(app, {"action": "demo.step", "detail": value, "user_agent": value})
    rows = read_csv(client.get("/admin/activity/export.csv?action=demo.step"))
    (row,) = rows[1:]
    assert row[11] == "'" + value and row[10] == "'" + value


def test_csv_export_streams_more_than_one_batch(app, client, admin_login):
    from blueprints.admin import activity

    count = activity.EXPORT_BATCH + 3
    add_entries(app, *({"action": "demo.step"} for _ in range(count)))
    rows = read_csv(client.get("/admin/activity/export.csv?action=demo.step"))
    ids = [int(r[0]) for r in rows[1:]]
    assert len(ids) == count and ids == sorted(ids, reverse=True)
