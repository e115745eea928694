"""Hostile input on every form of the accounts area: never a 500, a French message, the typing
kept (never a password), nothing written by a refused form."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pytest

from models import db
from models.mail import OutboxMail
from models.recovery_code import RecoveryCode
from models.user import ROLE_CLIENT, User
from services import accounts
from services.invitations import invitation_token
from tests.fixtures.database import count_rows
from tests.fixtures.totp import TEST_TOTP_SECRET, enrol, fresh_code
from tests.fixtures.users import PASSWORD, make_user

NEW = "Nouveau-Mot-De-Passe-2026!"

# What a careless or hostile visitor may type in any field.
HOSTILE = {
    "empty": "",
    "blank": "   ",
    "too-long": "a" * 3000,
    "beyond-column": "é" * 260 + "@example.fr",
    "unicode": "Zoë Ωμέγα 测试 😀",
    "control-characters": "a\x00b\x1b[31mc\r\nd\x7f",
    "right-to-left-override": "\u202egnp.exe",
    "arabic-digits": "١٢٣٤٥٦",
    "superscript-digits": "²³⁴⁵⁶⁷",
    "markup": '<script>alert("x")</script>',
    "sql": "' OR 1=1 -- ",
    "huge-number": "9" * 40,
    "first-day": "0001-01-01",
    "last-day": "9999-12-31",
}
# Default messages of WTForms in English: a sign that a field has no French message.
ENGLISH = ("This field", "Field must", "Invalid", "Not a valid", "cannot be longer")


@dataclass
class Form:
    """A form of the area: where it is posted, valid values, and how to reach it."""

    url: str
    valid: dict
    setup: str = "anonymous"
    passwords: tuple = ()
    kept: tuple = ()  # fields whose typing must come back in a refused form
    method: str = "POST"
    extra: dict = field(default_factory=dict)


FORMS = {
    "login": Form(
        "/auth/login",
        {"email": "client@example.fr", "password": PASSWORD, "next": "/account"},
        passwords=("password",),
        kept=("email",),
    ),
    "register": Form(
        "/auth/register",
        {
            "email": "jeanne@example.fr",
            "password": NEW,
            "password_confirm": NEW,
            "category": "particulier",
            "accept_privacy": "y",
            "newsletter": "y",
        },
        passwords=("password", "password_confirm"),
        kept=("email",),
    ),
    "password-check": Form(
        "/auth/register/password-check", {"password": NEW, "email": "a@example.fr"}
    ),
    "resend-verification": Form(
        "/auth/verify/resend", {"email": "client@example.fr"}, kept=("email",)
    ),
    "reset-request": Form("/auth/reset", {"email": "client@example.fr"}, kept=("email",)),
    "reset-password": Form(
        "/auth/reset/{reset_token}",
        {"password": NEW, "password_confirm": NEW},
        passwords=("password", "password_confirm"),
    ),
    "captcha-consent": Form("/auth/captcha/consent", {"choice": "accept"}),
    "totp-code": Form("/auth/totp", {"code": "000000"}, setup="admin_pending"),
    "totp-enrol-at-login": Form("/auth/totp/enroll", {"code": "000000"}, setup="admin_enrolling"),
    "change-password": Form(
        "/auth/security/password",
        {"current_password": PASSWORD, "password": NEW, "password_confirm": NEW},
        setup="client",
        passwords=("current_password", "password", "password_confirm"),
    ),
    "change-email": Form(
        "/auth/security/email",
        {"new_email": "nouvelle@example.fr", "current_password": PASSWORD},
        setup="client",
        passwords=("current_password",),
        kept=("new_email",),
    ),
    "totp-enrol-by-client": Form("/auth/totp/enroll", {"code": "000000"}, setup="client"),
    "confirm-password": Form(
        "/auth/totp/confirm-password",
        {"password": PASSWORD, "next": "/auth/totp/enroll"},
        setup="client",
        passwords=("password",),
    ),
    "recovery-codes": Form(
        "/auth/totp/recovery-codes", {"code": "000000"}, setup="client_with_totp"
    ),
    "totp-disable": Form("/auth/totp/disable", {"code": "000000"}, setup="client_with_totp"),
    "invitation": Form(
        "/account/invitation/{invitation_token}",
        {"password": NEW, "confirm": NEW},
        passwords=("password", "confirm"),
    ),
    "admin-new-admin": Form(
        "/admin/users/new", {"email": "second@example.fr"}, setup="admin", kept=("email",)
    ),
    "admin-users-search": Form(
        "/admin/users", {"q": "martin", "role": "client", "after": "5"}, setup="admin", method="GET"
    ),
    "admin-activity": Form(
        "/admin/activity",
        {
            "person": "client@example.fr",
            "action": "auth.login",
            "target_type": "user",
            "target_id": "1",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "before": "10",
        },
        setup="admin",
        method="GET",
    ),
    "admin-activity-export": Form(
        "/admin/activity/export.csv",
        {"person": "1", "date_from": "2026-01-01", "date_to": "2026-12-31"},
        setup="admin",
        method="GET",
    ),
}


def login_admin(app, client, enrolled=True):
    user_id = make_user(app, email="admin@example.fr", role="admin")
    if enrolled:
        enrol(app, user_id)
    client.post("/auth/login", data={"email": "admin@example.fr", "password": PASSWORD})
    if enrolled:
        client.post("/auth/totp", data={"code": fresh_code(app, user_id, TEST_TOTP_SECRET)})
    return user_id


def prepare(app, client, form: Form) -> str:
    """Reach the state the form needs; the URL to post to."""
    client_id = make_user(app)
    tokens = {}
    with app.test_request_context():
        tokens["reset_token"] = accounts.reset_token(db.session.get(User, client_id))
        invited = User(
            email="invite@example.fr", email_canonical="invite@example.fr", role=ROLE_CLIENT
        )
        db.session.add(invited)
        db.session.commit()
        tokens["invitation_token"] = invitation_token(invited)
    if form.setup == "admin_pending":
        login_admin(app, client, enrolled=True)
        client.post("/auth/logout")
        client.post("/auth/login", data={"email": "admin@example.fr", "password": PASSWORD})
    elif form.setup == "admin_enrolling":
        login_admin(app, client, enrolled=False)
    elif form.setup in ("client", "client_with_totp"):
        if form.setup == "client_with_totp":
            enrol(app, client_id)
        client.post("/auth/login", data={"email": "client@example.fr", "password": PASSWORD})
        if form.setup == "client_with_totp":
            client.post("/auth/totp", data={"code": fresh_code(app, client_id, TEST_TOTP_SECRET)})
    elif form.setup == "admin":
        login_admin(app, client)
    return form.url.format(**tokens)


def send(client, form: Form, url: str, data, headers=None):
    if form.method == "GET":
        return client.get(url, query_string=data, headers=headers)
    return client.post(url, data=data, headers=headers)


def check_answer(response, form: Form, name: str, value) -> None:
    where = f"{name}={value!r:.40}"
    assert response.status_code < 500, where
    body = html.unescape(response.get_data(as_text=True))
    if response.status_code == 422:
        assert 'class="error"' in body or "alert-error" in body or "Trop de" in body, where
        assert not any(english in body for english in ENGLISH), where
        printable = isinstance(value, str) and "\x00" not in value and "\r" not in value
        if name in form.kept and printable and value.strip() and len(value) < 300:
            assert value.strip() in body, f"typing lost: {where}"
    for password_field in form.passwords:
        typed = value if name == password_field else form.valid.get(password_field)
        if isinstance(typed, str) and len(typed.strip()) >= 8:
            assert typed not in body, f"password sent back: {where}"


def written(app) -> tuple[int, int, int]:
    """Rows a refused form must not add: accounts, mails, recovery codes."""
    return count_rows(app, User), count_rows(app, OutboxMail), count_rows(app, RecoveryCode)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("form_name", list(FORMS))
def test_hostile_value_in_each_field_never_fails(app, client, form_name, value):
    form = FORMS[form_name]
    url = prepare(app, client, form)
    for name in form.valid:
        before = written(app)
        data = dict(form.valid, **{name: value})
        response = send(client, form, url, data)
        check_answer(response, form, name, value)
        if response.status_code == 422:
            assert written(app) == before, f"half-written: {name}={value!r:.40}"


@pytest.mark.parametrize("form_name", list(FORMS))
def test_wrong_types_and_missing_fields_never_fail(app, client, htmx, form_name):
    form = FORMS[form_name]
    url = prepare(app, client, form)
    for name in form.valid:
        repeated = {**form.valid, name: [form.valid[name], "autre"]}  # a list, not a value
        check_answer(send(client, form, url, repeated), form, name, "")
        missing = {k: v for k, v in form.valid.items() if k != name}
        check_answer(send(client, form, url, missing), form, name, None)
        check_answer(send(client, form, url, missing, headers=htmx), form, name, None)
    check_answer(send(client, form, url, {}, headers=htmx), form, "(nothing)", None)


@pytest.mark.parametrize(
    "value",
    [pytest.param(v, id=name) for name, v in HOSTILE.items() if v.strip() and "/" not in v],
)
@pytest.mark.parametrize(
    "url",
    [
        "/auth/verify/{}",
        "/auth/reset/{}",
        "/auth/email/confirm/{}",
        "/account/invitation/{}",
    ],
)
def test_hostile_link_tokens_are_refused_in_french(client, url, value):
    response = client.get(url.format(value))
    assert response.status_code in (200, 404), response.status_code
    text = html.unescape(response.get_data(as_text=True))
    assert "lien" in text.lower()


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize(
    "form_name", [name for name, form in FORMS.items() if form.method == "POST"]
)
def test_missing_csrf_token_is_a_french_400_page_and_fragment(app, client, htmx, form_name):
    form = FORMS[form_name]
    url = prepare(app, client, form)  # with CSRF on, the setup's own logins are refused too
    users = count_rows(app, User)
    for headers in (None, htmx):
        response = client.post(url, data=form.valid, headers=headers)
        assert response.status_code == 400, (form_name, response.status_code)
        assert "formulaire a expiré" in html.unescape(response.get_data(as_text=True))
    assert count_rows(app, User) == users
