"""Who has an account must not show in how long an answer takes.

Registration, the reset request and the new verification link do the same expensive work
whatever the address: one password hash (registration) and one mail built, whether the mail is
queued or not. The work is counted, not timed (``bench/enumeration_timing.py`` times it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import template_rendered

from models import db
from models.mail import OutboxMail
from models.user import User
from tests.fixtures.database import count_rows
from tests.fixtures.users import PASSWORD, make_user

NEW = "Nouveau-Mot-De-Passe-2026!"


@dataclass
class Work:
    """What one request did: argon2 hashes computed and mail templates rendered."""

    hashes: int = 0
    mail_templates: list = field(default_factory=list)


@pytest.fixture
def work(app, monkeypatch):
    """Count the work of the next requests; the counted functions still run as they are."""
    counted = Work()
    original_hash = PasswordHasher.hash

    def counting_hash(self, *args, **kwargs):
        counted.hashes += 1
        return original_hash(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)

    def rendered(sender, template, context, **extra):
        if template.name.startswith("mail/"):
            counted.mail_templates.append(template.name)

    template_rendered.connect(rendered, app)
    yield counted
    template_rendered.disconnect(rendered, app)


def _shape(templates: list) -> list:
    """The mail templates rendered, by kind (.txt, .html): their names differ by branch."""
    return sorted(name.rsplit(".", 1)[1] for name in templates)


def register(client, email):
    data = {
        "email": email,
        "password": NEW,
        "password_confirm": NEW,
        "category": "particulier",
        "accept_privacy": "y",
    }
    return client.post("/auth/register", data=data)


def test_registering_an_existing_address_hashes_and_builds_a_mail_like_a_new_one(app, client, work):
    make_user(app, email="client@example.fr")
    work.hashes, work.mail_templates = 0, []
    assert register(client, "nouvelle@example.fr").status_code == 303
    new = (work.hashes, _shape(work.mail_templates))
    work.hashes, work.mail_templates = 0, []
    assert register(client, "Client@Example.fr").status_code == 303
    existing = (work.hashes, _shape(work.mail_templates))
    assert new == existing == (1, ["html", "txt"])
    # The owner is told; no second account.
    assert count_rows(app, User, User.email_canonical == "client@example.fr") == 1
    assert count_rows(app, OutboxMail, OutboxMail.template == "account_exists") == 1


@pytest.mark.parametrize(
    ("path", "account", "mail"),
    [
        ("/auth/reset", None, None),
        ("/auth/reset", {"is_enabled": False}, None),
        ("/auth/reset", {}, "reset_password"),
        ("/auth/verify/resend", None, None),
        ("/auth/verify/resend", {}, None),  # already verified
        ("/auth/verify/resend", {"verified": False}, "verify_email"),
        ("/auth/verify/resend", {"verified": False, "is_enabled": False}, None),
    ],
    ids=[
        "reset-unknown",
        "reset-disabled",
        "reset-known",
        "resend-unknown",
        "resend-verified",
        "resend-unverified",
        "resend-disabled",
    ],
)
def test_asking_for_a_link_builds_one_mail_whatever_the_address(
    app, client, work, path, account, mail
):
    if account is not None:
        enabled = account.pop("is_enabled", True)
        user_id = make_user(app, email="client@example.fr", **account)
        with app.app_context():
            db.session.get(User, user_id).is_enabled = enabled
            db.session.commit()
    work.hashes, work.mail_templates = 0, []
    response = client.post(path, data={"email": "client@example.fr"})
    assert response.status_code == 303
    assert _shape(work.mail_templates) == ["html", "txt"]
    assert work.hashes == 0
    with app.app_context():
        queued = db.session.scalars(sa.select(OutboxMail.template)).all()
    assert queued == ([mail] if mail else [])


def test_a_mail_built_for_nobody_holds_no_working_link(app, client):
    """The decoy link is signed like a real one but opens no account."""
    from services.accounts import decoy_token

    with app.test_request_context():
        reset, verify = decoy_token("reset_password"), decoy_token("verify_email")
    assert "lien" in client.get(f"/auth/reset/{reset}").get_data(as_text=True).lower()
    answer = client.get(f"/auth/verify/{verify}").get_data(as_text=True)
    assert "n'est pas valide" in answer.replace("&#39;", "'")


def test_a_reset_asked_for_an_unknown_address_is_logged_without_the_address(app, client):
    from models.activity import ActivityLog

    client.post("/auth/reset", data={"email": "inconnu@example.fr"})
    with app.app_context():
        entry = db.session.scalars(sa.select(ActivityLog)).one()
    assert (entry.action, entry.outcome) == ("auth.reset_requested", "failure")
    assert "inconnu" not in (entry.detail or "")


def test_a_control_character_in_the_address_of_a_reset_is_not_a_500(client):
    response = client.post("/auth/reset", data={"email": "a\r\nb@example.fr"})
    assert response.status_code in (303, 422)


def test_login_with_a_known_password_still_works_after_registering_twice(app, client, auth):
    make_user(app, email="client@example.fr")
    register(client, "client@example.fr")
    assert auth.login(password=PASSWORD).status_code == 303
