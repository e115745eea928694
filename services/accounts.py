"""Acts on accounts shared by the accounts area and the administration.

Registration, the links sent by mail (verification, reset, invitation, e-mail change), login
refusals, disabling and enabling (failed logins are counted in ``services.login_guard``). Each function adds to the current transaction
(rows, activity entries, outbox mails); the caller commits.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from models import db, utcnow
from models.client import Client
from models.user import ROLE_ADMIN, ROLE_CLIENT, User
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from services.login_guard import lift_locks
from services.mail import mail_url, send_mail
from services.passwords import hash_password, needs_rehash
from services.tokens import TokenInvalid, fingerprint, make_token, read_token, same_fingerprint

# Why a login is refused; the visitor sees one answer for all but "unverified".
REFUSED_UNKNOWN = "unknown"
REFUSED_PASSWORD = "password"  # noqa: S105 - a reason, not a password
REFUSED_DISABLED = "disabled"
REFUSED_LOCKED = "locked"  # this source is locked out of the account (services.login_guard)
REFUSED_THROTTLED = "throttled"  # this source must wait before trying again
REFUSED_UNVERIFIED = "unverified"


def canonical(email: str) -> str:
    """The form of an address used to find an account: trimmed, lower-cased."""
    return email.strip().lower()


def find_account(email: str) -> User | None:
    """The account of ``email`` whatever its case, or None."""
    return db.session.scalar(sa.select(User).where(User.email_canonical == canonical(email)))


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of ``user`` (logout, password change, reset, disable)."""
    user.session_version += 1


# --- The same work whatever the address -----------------------------------------------------
# Who has an account must not show in how long an answer takes: the branch for an unknown (or
# existing) address pays the same password hash and builds the same mail as the other one.


# Where a mail built for nobody is addressed: what was typed may not even be an address.
NOBODY = "personne@example.invalid"


def build_mail_for_nobody(template: str, subject, **context) -> None:
    """Build a mail exactly as :func:`send_mail` does, then drop it: nothing is queued.

    The mail is rendered and its row made, then taken out of the session before any flush, so
    the branch that sends nothing costs what the branch that sends costs.
    """
    mail = send_mail(NOBODY, template, subject, **context)
    db.session.expunge(mail)


def decoy_token(purpose: str) -> str:
    """A signed token that opens nothing (no account has id 0), built like a real one."""
    return make_token(purpose, {"u": 0, "p": fingerprint(""), "e": fingerprint(""), "i": False})


# --- Registration and verification -------------------------------------------------------


def create_client_account(
    email: str, password: str, category: str, newsletter: bool, locale: str | None = None
) -> User:
    """A new, unverified client account with its client file and consent choices."""
    now = utcnow()
    user = User(
        email=email,
        email_canonical=canonical(email),
        password_hash=hash_password(password),
        role=ROLE_CLIENT,
        locale=locale,
    )
    client = Client(
        user=user,
        category=category,
        privacy_accepted_at=now,
        newsletter_consent=newsletter,
        newsletter_consent_at=now,
    )
    db.session.add_all([user, client])
    db.session.flush()
    if newsletter:
        # Counts once the address is verified: the verification link confirms it by e-mail.
        from services.consent import NEWSLETTER_WORDING, record_consent

        record_consent(client, "given", "registration", str(NEWSLETTER_WORDING))
    log_activity(
        "auth.register",
        target=user,
        actor=user,
        detail={"category": category, "newsletter": newsletter},
    )
    return user


def register_client(
    email: str, password: str, category: str, newsletter: bool, locale: str | None
) -> None:
    """Register ``email``: a new account and its verification link, or, when the address has an
    account, a mail telling its owner. Both branches hash the password and build one mail.
    """
    existing = find_account(email)
    if existing is None:
        user = create_client_account(email, password, category, newsletter, locale)
        send_verification_mail(user)
        return
    hash_password(password)  # discarded: the work a new account pays
    send_account_exists_mail(existing)
    log_activity("auth.register", target=existing, outcome="failure", detail={"reason": "exists"})


def verification_token(user: User) -> str:
    """The token of the verification link; bound to the address it verifies."""
    return make_token("verify_email", {"u": user.id, "e": fingerprint(user.email_canonical)})


def send_verification_mail(user: User) -> None:
    """Mail ``user`` the link that verifies the address (valid 48 hours by default)."""
    link = mail_url("auth.verify_email", token=verification_token(user))
    send_mail(
        user.email,
        "verify_email",
        _l("Confirmez votre adresse e-mail"),
        locale=user.locale,
        link=link,
        hours=current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"],
    )


def send_account_exists_mail(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner, nobody else."""
    send_mail(
        user.email,
        "account_exists",
        _l("Vous avez déjà un Espace Client"),
        locale=user.locale,
        login_link=mail_url("auth.login"),
        reset_link=mail_url("auth.reset_request"),
    )


def resend_verification(email: str) -> None:
    """Mail a new verification link if ``email`` has an enabled account awaiting confirmation;
    otherwise build the same mail for nobody (the answer and its timing are the same)."""
    user = find_account(email)
    if user is not None and user.email_verified_at is None and user.is_enabled:
        send_verification_mail(user)
        log_activity("auth.verification_resent", target=user, actor=user)
        return
    build_mail_for_nobody(
        "verify_email",
        _l("Confirmez votre adresse e-mail"),
        link=mail_url("auth.verify_email", token=decoy_token("verify_email")),
        hours=current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"],
    )
    log_activity(
        "auth.verification_resent",
        target=user,
        outcome="failure",
        detail={"reason": _why_no_mail(user)},
    )


def _why_no_mail(user: User | None) -> str:
    if user is None:
        return "unknown"
    return "disabled" if not user.is_enabled else "verified"


def verify_email(token: str) -> User:
    """Mark the address of the token's account verified; raises ``TokenInvalid`` (or expired)."""
    hours = current_app.config["EMAIL_VERIFICATION_MAX_AGE_HOURS"]
    payload = read_token("verify_email", token, timedelta(hours=hours))
    user = db.session.get(User, payload.get("u"))
    if user is None or not same_fingerprint(payload.get("e", ""), user.email_canonical):
        raise TokenInvalid("verify_email")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        log_activity("auth.verify_email", target=user, actor=user)
    return user


# --- Login ---------------------------------------------------------------------------------


def login_refusal(user: User | None, password_ok: bool) -> str | None:
    """Why a login with these credentials is refused, or None when it may proceed."""
    if user is None:
        return REFUSED_UNKNOWN
    if not password_ok:
        return REFUSED_PASSWORD
    if not user.is_enabled:
        return REFUSED_DISABLED
    if user.email_verified_at is None:
        return REFUSED_UNVERIFIED
    return None


def record_successful_login(user: User, password: str) -> None:
    """Re-hash the password if the hashing parameters changed."""
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


# --- Passwords ---------------------------------------------------------------------------


def set_password(user: User, password: str) -> None:
    """Store a new password: every session of the account ends, and any lock-out is lifted."""
    user.password_hash = hash_password(password)
    lift_locks(user)
    end_all_sessions(user)


def reset_token(user: User, invitation: bool = False) -> str:
    """The token of a reset (or invitation) link, bound to the current password hash.

    Any password change, including the one the link makes, changes the hash: the link is
    single-use and dies with the password it was made for.
    """
    payload = {"u": user.id, "p": fingerprint(user.password_hash), "i": invitation}
    return make_token("reset_password", payload)


def user_from_reset_token(token: str) -> User:
    """The account a reset link is for; raises ``TokenInvalid`` or ``TokenExpired``."""
    config = current_app.config
    invitation_age = timedelta(hours=config["INVITATION_MAX_AGE_HOURS"])
    reset_age = timedelta(minutes=config["PASSWORD_RESET_MAX_AGE_MINUTES"])
    payload = read_token("reset_password", token, max(invitation_age, reset_age))
    if not payload.get("i"):
        payload = read_token("reset_password", token, reset_age)
    user = db.session.get(User, payload.get("u"))
    if user is None or not same_fingerprint(payload.get("p", ""), user.password_hash):
        raise TokenInvalid("reset_password")
    return user


def send_reset_mail(user: User, by: User | None = None) -> None:
    """Mail ``user`` a password reset link (asked by the owner, or sent by an admin ``by``)."""
    link = mail_url("auth.reset_password", token=reset_token(user))
    send_mail(
        user.email,
        "reset_password",
        _l("Réinitialisation de votre mot de passe"),
        locale=user.locale,
        link=link,
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
        by_admin=by is not None,
    )
    if by is None:
        log_activity("auth.reset_requested", target=user, actor=user)
    else:
        log_activity("admin.reset_link_sent", target=user, actor=by)


def request_password_reset(email: str) -> None:
    """Mail a reset link if ``email`` has an enabled account; otherwise build the same mail for
    nobody and log why (the page, and the time it takes, say nothing about the address)."""
    user = find_account(email)
    if user is not None and user.is_enabled:
        send_reset_mail(user)
        return
    build_mail_for_nobody(
        "reset_password",
        _l("Réinitialisation de votre mot de passe"),
        link=mail_url("auth.reset_password", token=decoy_token("reset_password")),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
        by_admin=False,
    )
    log_activity(
        "auth.reset_requested",
        target=user,
        outcome="failure",
        detail={"reason": "unknown" if user is None else "disabled"},
    )


def reset_password(user: User, password: str) -> None:
    """Set the password chosen through a reset link; the link proved the mailbox."""
    set_password(user, password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    log_activity("auth.reset_done", target=user, actor=user)
    send_password_changed_mail(user)


def send_password_changed_mail(user: User) -> None:
    """Tell the owner their password changed, so an unexpected change is noticed."""
    send_mail(
        user.email,
        "password_changed",
        _l("Votre mot de passe a été modifié"),
        locale=user.locale,
        reset_link=mail_url("auth.reset_request"),
    )


# --- E-mail change -----------------------------------------------------------------------


def email_change_token(user: User, new_email: str) -> str:
    """The token of the confirmation link, bound to the current address."""
    payload = {"u": user.id, "n": new_email, "e": fingerprint(user.email_canonical)}
    return make_token("change_email", payload)


def request_email_change(user: User, new_email: str) -> None:
    """Send the confirmation link to ``new_email`` and a notice to the current address."""
    link = mail_url("auth.confirm_email_change", token=email_change_token(user, new_email))
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE_HOURS"]
    send_mail(
        new_email,
        "email_change_confirm",
        _l("Confirmez votre nouvelle adresse e-mail"),
        locale=user.locale,
        link=link,
        hours=hours,
    )
    send_mail(
        user.email,
        "email_change_notice",
        _l("Changement d'adresse e-mail demandé"),
        locale=user.locale,
        new_email=new_email,
        hours=hours,
    )
    log_activity("auth.email_change_requested", target=user)


class EmailTaken(Exception):
    """Another account already uses the new address."""


def apply_email_change(token: str) -> User:
    """Switch the account to the confirmed address; raises ``TokenInvalid`` or ``EmailTaken``.

    Every session of the account ends, as after a password change: the address is the
    login, and whoever else holds a session must not keep one on the changed account.
    """
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE_HOURS"]
    payload = read_token("change_email", token, timedelta(hours=hours))
    user = db.session.get(User, payload.get("u"))
    new_email = payload.get("n")
    if user is None or not new_email:
        raise TokenInvalid("change_email")
    if not same_fingerprint(payload.get("e", ""), user.email_canonical):
        raise TokenInvalid("change_email")  # already used, or the address changed since
    other = find_account(new_email)
    if other is not None and other.id != user.id:
        raise EmailTaken(new_email)
    user.email = new_email
    user.email_canonical = canonical(new_email)
    user.email_verified_at = utcnow()
    end_all_sessions(user)
    log_activity("auth.email_changed", target=user, actor=user)
    return user


# --- Administration ----------------------------------------------------------------------


def disable_account(user: User, by: User) -> None:
    """Refuse every login of ``user`` and end its sessions now."""
    user.is_enabled = False
    end_all_sessions(user)
    log_activity("admin.user_disabled", target=user, actor=by)


def enable_account(user: User, by: User) -> None:
    """Let ``user`` log in again; a lock-out in progress is lifted too."""
    user.is_enabled = True
    lift_locks(user)
    log_activity("admin.user_enabled", target=user, actor=by)


def invite_admin(email: str, by: User) -> User:
    """Create an admin account for ``email`` and mail it a link to choose its password.

    The password is never known to the admin who creates the account; the link is valid
    ``INVITATION_MAX_AGE_HOURS`` and TOTP enrolment follows the first login.
    """
    user = User(email=email, email_canonical=canonical(email), role=ROLE_ADMIN)
    db.session.add(user)
    db.session.flush()
    log_activity("admin.created", target=user, actor=by, detail={"by": "admin"})
    link = mail_url("auth.reset_password", token=reset_token(user, invitation=True))
    send_mail(
        user.email,
        "admin_invitation",
        _l("Votre accès administrateur à l'Espace Client"),
        link=link,
        hours=current_app.config["INVITATION_MAX_AGE_HOURS"],
        inviter=by.email,
    )
    return user
