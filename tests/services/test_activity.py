"""The activity log: one function, safe values, written with the act."""

import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from services.activity import format_detail, log_activity


def entries(app):
    with app.app_context():
        return db.session.scalars(sa.select(ActivityLog).order_by(ActivityLog.id)).all()


def test_log_activity_records_request_facts(app):
    with app.test_request_context(
        "/", environ_base={"REMOTE_ADDR": "192.0.2.7", "HTTP_USER_AGENT": "Navigateur\x1b\tFaux"}
    ):
        log_activity("test.event", target_type="client", target_id=3, detail="ok")
        db.session.commit()
    (entry,) = entries(app)
    assert entry.ip == "192.0.2.7"
    assert entry.user_agent == "Navigateur\\x1b\\x09Faux"
    assert (entry.action, entry.target_type, entry.target_id) == ("test.event", "client", 3)


def test_secrets_never_reach_the_log():
    line = format_detail(
        {
            "fields": ["email", "phone"],
            "password": "Hunter2!",
            "token": "abc",
            "totp_code": "123456",
        }
    )
    assert line == "fields=email,phone"


def test_control_characters_are_escaped():
    assert format_detail("a\nb\x1b[31m") == "a\\x0ab\\x1b[31m"


def test_failed_and_successful_logins_are_logged(app, auth):
    user_id = auth.create_client()
    auth.login(password="wrong-password")
    auth.login()
    logged = [(e.action, e.outcome, e.target_id) for e in entries(app)]
    assert ("auth.login", "failure", user_id) in logged
    assert ("auth.login", "success", user_id) in logged
    assert all("wrong-password" not in (e.detail or "") for e in entries(app))
