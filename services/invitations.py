"""Invitations: an admin creates a client's account; the client sets a password from a mail.

The link is a signed token of :mod:`services.tokens` (purpose ``client_invitation``), lives
``INVITATION_MAX_AGE_DAYS`` days (settings.py) and works once: it is dead as soon as the account
has a password.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from models import db, utcnow
from models.client import Client
from models.user import ROLE_CLIENT, User
from services.account_rules import normalize_email
from services.accounts import canonical
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from services.mail import mail_url, send_mail
from services.passwords import hash_password
from services.tokens import TokenInvalid, make_token, read_token

PURPOSE = "client_invitation"


def max_age_days() -> int:
    """How many days an invitation link opens the account (``INVITATION_MAX_AGE_DAYS``)."""
    return int(current_app.config["INVITATION_MAX_AGE_DAYS"])


def invitation_token(user: User) -> str:
    """A signed token naming the account and the address it was sent to."""
    return make_token(PURPOSE, {"user": user.id, "email": user.email_canonical})


def user_from_invitation(token: str) -> User | None:
    """The account a valid, unused, unexpired invitation token opens; None otherwise."""
    try:
        data = read_token(PURPOSE, token, timedelta(days=max_age_days()))
    except TokenInvalid:  # altered, expired (TokenExpired is a TokenInvalid) or not a mapping
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    if (
        user is None
        or user.password_hash is not None
        or not user.is_enabled
        or user.email_canonical != data.get("email")
    ):
        return None
    return user


def send_invitation(user: User) -> None:
    """Queue the invitation mail to ``user``; the caller commits."""
    send_mail(
        user.email,
        "client_invitation",
        _l(
            "Votre Espace Client %(company)s vous attend",
            company=current_app.config["COMPANY_NAME"],
        ),
        locale=user.locale,
        url=mail_url("account.accept_invitation", token=invitation_token(user)),
        days=max_age_days(),
        client_name=user.client.display_name if user.client else "",
    )
    log_activity("account.invitation_sent", target=user)


def accept_invitation(user: User, password: str) -> None:
    """Set the first password: the account is usable, the address proven, the link dead."""
    user.password_hash = hash_password(password)
    user.email_verified_at = user.email_verified_at or utcnow()
    log_activity("account.invitation_accepted", target=user, actor=user)


def create_client_on_behalf(
    email: str, *, category: str, last_name: str, first_name: str, company_name: str | None
) -> Client:
    """The account (no password, address unverified), client file and invitation of a new client.

    An admin creates it on the client's behalf; the form has checked the values. The caller
    commits.
    """
    email = normalize_email(email)
    user = User(email=email, email_canonical=canonical(email), role=ROLE_CLIENT)
    client = Client(
        user=user,
        category=category,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        company_name=(company_name or "").strip() or None,
        country="FR",
    )
    db.session.add(client)
    db.session.flush()
    log_activity("admin.client_created", target=client)
    send_invitation(user)
    return client
