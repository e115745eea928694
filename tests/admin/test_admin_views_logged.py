"""Every admin view of a client's personal data is in the activity log: who looked at whom.

Generated from the URL map: every admin page about one client (its URL names a client or one of
a client's records) logs, as a page and as an htmx fragment, the admin and the client; every
reveal of a secret logs the admin and the client whose secret it was.
"""

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from services.activity import CLIENT_VIEWED
from tests.fixtures.url_map import url_rules

RECORD_ARGS = {
    "client_id",
    "device_id",
    "licence_id",
    "intervention_id",
    "ticket_id",
    "attachment_id",
    "request_id",
    "invoice_id",
    "contract_id",
}
REVEALS = ("/serial", "/key")


def about_one_client():
    """The admin routes whose URL names a client or one of a client's records."""
    return url_rules(lambda r: r.rule.startswith("/admin/") and RECORD_ARGS & set(r.arguments))


def views():
    return [r for r in about_one_client() if "GET" in r.methods]


def reveal_rules():
    return [r for r in about_one_client() if r.rule.endswith(REVEALS)]


def url_of(rule, records) -> str:
    values = {
        "client_id": records.client_id,
        "device_id": records.device_id,
        "licence_id": records.licence_id,
        "intervention_id": records.intervention_id,
        "ticket_id": records.ticket_id,
        "attachment_id": records.attachment_id,
        "request_id": records.request_id,
        "invoice_id": records.invoice_id,
        "contract_id": records.contract_id,
        "name": "contact",
    }
    assert set(rule.arguments) <= set(values), f"unknown argument in {rule.rule}"
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


def entries_since(app, last_id: int) -> list[ActivityLog]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ActivityLog).where(ActivityLog.id > last_id).order_by(ActivityLog.id)
        ).all()
        db.session.expunge_all()
        return rows


def last_entry_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(ActivityLog.id))) or 0


def test_the_suite_covers_every_area_of_the_client_page():
    endpoints = {r.endpoint for r in views()}
    assert {
        "admin.client",
        "admin.client_section",
        "admin.edit_client_section",
        "devices.admin_devices",
        "devices.admin_edit_device",
        "devices.admin_edit_licence",
        "interventions.admin_client_interventions",
        "interventions.admin_intervention",
        "interventions.admin_edit_intervention",
        "tickets.admin_ticket",
        "tickets.admin_attachment",
        "gdpr.admin_request",
    } <= endpoints
    assert {r.endpoint for r in reveal_rules()} == {
        "devices.admin_reveal_serial",
        "devices.admin_reveal_licence_key",
    }


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "fragment"])
@pytest.mark.from_url_map("rule", views, ids=str)
def test_admin_view_of_a_client_is_logged(app, client, auth, two_clients, rule, headers):
    auth.login(two_clients.admin_email, totp=True)
    before = last_entry_id(app)
    response = client.get(url_of(rule, two_clients.other), headers=headers)
    response.close()  # a download streams its file until closed
    # 409: the edit page of an issued invoice, which says why it cannot change (and shows it).
    assert response.status_code in (200, 302, 409), response.status_code
    views = [e for e in entries_since(app, before) if e.action == CLIENT_VIEWED]
    assert views, f"{rule.rule} shows a client's data without logging it"
    assert {(e.actor_id, e.target_type, e.target_id) for e in views} == {
        (auth_admin_id(app, two_clients.admin_email), "client", two_clients.other.client_id)
    }


@pytest.mark.from_url_map("rule", reveal_rules, ids=str)
def test_admin_reveal_names_the_admin_and_the_client(app, client, auth, two_clients, rule):
    auth.login(two_clients.admin_email, totp=True)
    before = last_entry_id(app)
    response = client.post(url_of(rule, two_clients.other), headers={"HX-Request": "true"})
    assert response.status_code == 200
    (entry,) = entries_since(app, before)
    assert entry.action.endswith("_revealed")
    assert entry.actor_id == auth_admin_id(app, two_clients.admin_email)
    assert f"client={two_clients.other.client_id}" in entry.detail


def test_a_client_view_log_never_holds_the_data_seen(app, client, auth, two_clients):
    auth.login(two_clients.admin_email, totp=True)
    before = last_entry_id(app)
    client.get(f"/admin/clients/{two_clients.other.client_id}")
    client.post(
        f"/admin/clients/{two_clients.other.client_id}/devices/{two_clients.other.device_id}/serial"
    )
    logged = " ".join(f"{e.action} {e.detail}" for e in entries_since(app, before))
    assert "OTHER-9" not in logged
    assert "autre@example.fr" not in logged


def auth_admin_id(app, email: str) -> int:
    from models.user import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email_canonical == email))
