"""Second factor (TOTP) at login: mandatory for admins, optional for clients.

After a correct password the account is *pending*: the session holds its id, its session
version, where to go next and when the password was given, but nobody is logged in. Only a
valid code (or a finished enrolment) opens the session, with ``second_factor`` set.
Failures are counted from the activity log, not from the cookie, so replaying an older cookie
does not buy more attempts.
"""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session, url_for
from flask_login import user_logged_in

from models import db, utcnow
from models.activity import ActivityLog
from models.user import User
from services.totp import TOTP_FAILED, TOTP_REPLAYED, has_totp
from web.htmx import htmx_redirect
from web.security import safe_redirect_target
from web.sessions import PENDING_SECOND_FACTOR, fresh_session, open_session

AUTH_AT_KEY = "auth_at"  # when this session last proved the password (login or confirmation)


def needs_second_factor(user: User) -> bool:
    """True when ``user`` must give a TOTP code (or enrol) before the session is opened."""
    return user.is_admin or has_totp(user)


def start_second_factor(user: User, next_url: str | None):
    """The response that sends ``user`` to the code (or enrolment) step, not yet logged in."""
    fresh_session()
    session[PENDING_SECOND_FACTOR] = {
        "user_id": user.id,
        "version": user.session_version,
        "next": next_url,
        "at": int(time.time()),
    }
    return htmx_redirect(url_for("auth.totp_verify" if has_totp(user) else "auth.totp_enroll"))


def pending_step_url() -> str | None:
    """The step (code or enrolment) of the login waiting for its second factor, if any."""
    user = pending_user()
    if user is None:
        return None
    return url_for("auth.totp_verify" if has_totp(user) else "auth.totp_enroll")


def _pending() -> dict | None:
    pending = session.get(PENDING_SECOND_FACTOR)
    if not isinstance(pending, dict):
        return None
    age = time.time() - pending.get("at", 0)
    if not 0 <= age <= current_app.config["TOTP_PENDING_SECONDS"]:
        return None
    return pending


def pending_user() -> User | None:
    """The account waiting for its second factor in this session, if still fresh and valid."""
    pending = _pending()
    if pending is None:
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.is_enabled or user.session_version != pending["version"]:
        return None
    return user


def pending_started_at() -> float:
    return float(session[PENDING_SECOND_FACTOR]["at"])


def abandon_second_factor() -> None:
    """Forget the pending login: the password must be given again."""
    session.pop(PENDING_SECOND_FACTOR, None)


def finish_second_factor(user: User) -> str:
    """Open the session of the pending ``user`` (second factor passed); returns where to go."""
    pending = session.get(PENDING_SECOND_FACTOR) or {}
    open_session(user, second_factor=True)
    landing = url_for("admin.home" if user.is_admin else "account.dashboard")
    # Checked when the password was given; checked again so that no path skips the check.
    return safe_redirect_target(pending.get("next"), landing)


def failures_since(user: User, since: float, actions=(TOTP_FAILED, TOTP_REPLAYED)) -> int:
    """Failures of ``actions`` (default: wrong or replayed codes) logged for ``user`` since
    ``since`` (epoch seconds)."""
    started = utcnow() - timedelta(seconds=max(time.time() - since, 0) + 1)
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ActivityLog)
        .where(
            ActivityLog.target_type == User.__tablename__,
            ActivityLog.target_id == user.id,
            ActivityLog.action.in_(actions),
            ActivityLog.outcome == "failure",
            ActivityLog.created_at >= started,
        )
    )


def too_many_failures(user: User, since: float) -> bool:
    """True once ``user`` gave ``TOTP_MAX_FAILURES`` wrong codes since ``since``."""
    return failures_since(user, since) >= current_app.config["TOTP_MAX_FAILURES"]


def recently_authenticated() -> bool:
    """True when this session proved the password within ``REAUTH_MAX_AGE_SECONDS``."""
    at = session.get(AUTH_AT_KEY)
    if not isinstance(at, int | float):
        return False
    return 0 <= time.time() - at <= current_app.config["REAUTH_MAX_AGE_SECONDS"]


def mark_authenticated() -> None:
    """Record that the password was proven now in this session."""
    session[AUTH_AT_KEY] = int(time.time())


@user_logged_in.connect
def _remember_login_time(sender, user, **extra):
    """Every login (with or without second factor) counts as a recent proof of the password."""
    mark_authenticated()
