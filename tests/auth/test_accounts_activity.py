"""Every event of the accounts area reaches the activity log, and no secret ever does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from tests.fixtures.accounts import link_in, sent_mails
from tests.fixtures.login_guard import fail_logins
from tests.fixtures.totp import ADMIN_EMAIL, TEST_TOTP_SECRET, fresh_code
from tests.fixtures.users import PASSWORD

NEW = "Nouveau-Mot-De-Passe-2026!"
WRONG = "Mauvais-Mot-De-Passe-42!"
EMAIL = "client@example.fr"


@dataclass
class Flow:
    """The test's client and app, and every secret it typed or received."""

    app: object
    client: object
    auth: object
    totp_auth: object
    secrets: set

    def post(self, url, **data):
        return self.client.post(url, data=data)

    def link(self, template) -> str:
        path = link_in(sent_mails(self.app, template)[-1])
        self.secrets.add(path.rsplit("/", 1)[-1])
        return path

    def code(self, user_id, secret=TEST_TOTP_SECRET) -> str:
        code = fresh_code(self.app, user_id, secret)
        self.secrets.add(code)
        return code

    def enrol_through_pages(self) -> tuple[str, list[str]]:
        """Password, enrolment and codes of the admin without TOTP: (secret, recovery codes)."""
        self.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
        page = self.client.get("/auth/totp/enroll").get_data(as_text=True)
        secret = re.search(r'id="totp-key"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        code = pyotp.TOTP(secret).now()
        self.post("/auth/totp/enroll", code=code)
        page = self.client.get("/auth/totp/recovery-codes").get_data(as_text=True)
        codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page)
        self.secrets.update([secret, code, *codes, *(c.replace("-", "") for c in codes)])
        return secret, codes


def register(f: Flow):
    f.post(
        "/auth/register",
        email="jeanne@example.fr",
        password=NEW,
        password_confirm=NEW,
        category="particulier",
        accept_privacy="y",
    )


def verify(f: Flow):
    register(f)
    f.client.get(f.link("verify_email"))


def login_ok(f: Flow):
    f.auth.create_client()
    f.auth.login()


def login_failed(f: Flow):
    f.auth.create_client()
    f.auth.login(password=WRONG)


def locked(f: Flow):
    f.auth.create_client()
    fail_logins(f.app, f.client, 10)
    f.client.post(  # the right password, refused while the source is locked
        "/auth/login",
        data={"email": "client@example.fr", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )


def logout(f: Flow):
    login_ok(f)
    f.auth.logout()


def reset_asked(f: Flow):
    f.auth.create_client()
    f.post("/auth/reset", email=EMAIL)


def reset_done(f: Flow):
    reset_asked(f)
    f.post(f.link("reset_password"), password=NEW, password_confirm=NEW)


def password_changed(f: Flow):
    login_ok(f)
    f.post("/auth/security/password", current_password=PASSWORD, password=NEW, password_confirm=NEW)
    f.post("/auth/security/password", current_password=WRONG, password=NEW, password_confirm=NEW)


def email_changed(f: Flow):
    login_ok(f)
    f.post("/auth/security/email", new_email="nouvelle@example.fr", current_password=PASSWORD)
    f.client.get(f.link("email_change_confirm"))


def captcha_refused(f: Flow):
    f.app.config["CAPTCHA_PROVIDER"] = "altcha"
    f.secrets.add("cGF5bG9hZC1mYXV4")
    f.post("/auth/login", email=EMAIL, password=PASSWORD, altcha="cGF5bG9hZC1mYXV4")


def totp_enrolled(f: Flow):
    f.auth.create_admin()
    f.enrol_through_pages()


def totp_ok(f: Flow):
    user_id = f.totp_auth.create_admin()
    f.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
    code = f.code(user_id)
    f.post("/auth/totp", code=code)
    return code


def totp_failed(f: Flow):
    f.totp_auth.create_admin()
    f.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
    f.secrets.add("314159")
    f.post("/auth/totp", code="314159")


def totp_replayed(f: Flow):
    code = totp_ok(f)
    f.auth.logout()
    f.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
    f.post("/auth/totp", code=code)


def recovery_code_used(f: Flow):
    f.auth.create_admin()
    _, codes = f.enrol_through_pages()
    f.auth.logout()
    f.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
    f.post("/auth/totp", code=codes[0])


def recovery_codes_regenerated(f: Flow):
    user_id = f.auth.create_admin()
    secret, _ = f.enrol_through_pages()
    f.post("/auth/totp/confirm-password", password=PASSWORD)
    f.post("/auth/totp/recovery-codes", code=f.code(user_id, secret))
    page = f.client.get("/auth/totp/recovery-codes").get_data(as_text=True)
    f.secrets.update(re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page))


def client_turns_totp_off(f: Flow):
    user_id = f.auth.create_client()
    from tests.fixtures.totp import enrol

    enrol(f.app, user_id)
    f.auth.login()
    f.post("/auth/totp", code=f.code(user_id))
    f.post("/auth/totp/disable", code=f.code(user_id))


def admin_acts_on_accounts(f: Flow):
    target = f.auth.create_client()
    admin_id = f.totp_auth.create_admin()
    f.post("/auth/login", email=ADMIN_EMAIL, password=PASSWORD)
    f.post("/auth/totp", code=f.code(admin_id))
    for act in ("disable", "enable", "reset-link"):
        f.post(f"/admin/users/{target}/{act}")
    f.link("reset_password")
    f.post("/admin/users/new", email="second@example.fr")
    f.link("admin_invitation")
    other = f.totp_auth.create_admin(email="autre.admin@example.fr")
    f.post(f"/admin/users/{other}/reset-totp")
    f.client.get("/admin/activity?action=auth.login")
    f.client.get("/admin/activity/export.csv").get_data()


EVENTS: list[tuple[str, str, Callable]] = [
    ("auth.register", "success", register),
    ("auth.verify_email", "success", verify),
    ("auth.login", "success", login_ok),
    ("auth.login", "failure", login_failed),
    ("auth.locked", "failure", locked),
    ("auth.attack", "failure", locked),
    ("auth.logout", "success", logout),
    ("auth.reset_requested", "success", reset_asked),
    ("auth.reset_done", "success", reset_done),
    ("auth.password_changed", "success", password_changed),
    ("auth.password_changed", "failure", password_changed),
    ("auth.email_change_requested", "success", email_changed),
    ("auth.email_changed", "success", email_changed),
    ("auth.captcha", "failure", captcha_refused),
    ("totp.enrolled", "success", totp_enrolled),
    ("totp.ok", "success", totp_ok),
    ("totp.failed", "failure", totp_failed),
    ("totp.replayed", "failure", totp_replayed),
    ("totp.recovery_used", "success", recovery_code_used),
    ("totp.recovery_regenerated", "success", recovery_codes_regenerated),
    ("totp.disabled", "success", client_turns_totp_off),
    ("admin.user_disabled", "success", admin_acts_on_accounts),
    ("admin.user_enabled", "success", admin_acts_on_accounts),
    ("admin.reset_link_sent", "success", admin_acts_on_accounts),
    ("admin.created", "success", admin_acts_on_accounts),
    ("totp.reset", "success", admin_acts_on_accounts),
    ("activity.viewed", "success", admin_acts_on_accounts),
    ("activity.exported", "success", admin_acts_on_accounts),
]


def every_entry(app) -> list[ActivityLog]:
    with app.app_context():
        entries = db.session.scalars(sa.select(ActivityLog).order_by(ActivityLog.id)).all()
        db.session.expunge_all()
        return entries


@pytest.mark.parametrize(
    ("action", "outcome", "flow"), EVENTS, ids=[f"{a}-{o}" for a, o, _ in EVENTS]
)
def test_event_is_logged_and_no_secret_is(app, client, auth, totp_auth, action, outcome, flow):
    f = Flow(app, client, auth, totp_auth, {PASSWORD, NEW, WRONG, TEST_TOTP_SECRET})
    flow(f)
    entries = every_entry(app)
    assert (action, outcome) in {(e.action, e.outcome) for e in entries}
    secrets = {s for s in f.secrets if s}
    for entry in entries:
        stored = " ".join(
            str(getattr(entry, column) or "")
            for column in ("action", "target_type", "ip", "user_agent", "outcome", "detail")
        )
        leaked = [s for s in secrets if s in stored or s.lower() in stored.lower()]
        assert not leaked, (entry.action, entry.detail)
