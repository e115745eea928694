"""Sessions: loading the user from the cookie, idle and absolute lifetime, ending sessions.

The session stores when it was opened (``LOGIN_AT``) and when it was last used (``SEEN_AT``),
as UTC epoch seconds; a session past ``PERMANENT_SESSION_LIFETIME`` since login, or idle longer
than ``IDLE_TIMEOUT_ADMIN_MINUTES`` / ``IDLE_TIMEOUT_CLIENT_MINUTES``, is closed. Wired on the
app by :func:`init_app` (``create_app``), not by importing an area.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, current_app, flash, make_response, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from models import db, utcnow
from models.user import User
from services.activity import log_activity
from services.i18n import lazy_gettext as _l
from web.extensions import login_manager
from web.htmx import is_htmx_request
from web.security import current_path

# Session keys, named once: every module that reads or writes one imports it from here.
SECOND_FACTOR = "second_factor"  # True once the login passed its second factor (TOTP)
# The login waiting for its code: {"user_id", "version", "at"}.
PENDING_SECOND_FACTOR = "totp_pending"
LOGIN_AT = "login_at"  # when the session was opened (absolute lifetime)
SEEN_AT = "seen_at"  # when it was last used (idle lifetime)
# app.extensions[PENDING_STEP]: a function answering the URL of the pending second-factor step,
# or None; the auth area registers it (it knows its own pages).
PENDING_STEP = "pending_second_factor_step"


# Built once: every request of a logged-in visitor runs it. The client file comes in the same
# query: nearly every page of a client needs it.
_USER_WITH_CLIENT = (
    sa.select(User).options(joinedload(User.client)).where(User.id == sa.bindparam("user_id"))
)


def load_user(identity: str) -> User | None:
    """The user of a session, only while the session version in the cookie is current."""
    user_id, _, version = identity.partition(":")
    if not (user_id.isdecimal() and version.isdecimal()):
        return None
    user = db.session.scalar(_USER_WITH_CLIENT, {"user_id": int(user_id)})
    if user is None or user.session_version != int(version) or not user.is_enabled:
        return None
    return user


def unauthorized():
    """Anonymous visitor on a protected page: to the login page (HX-Redirect for htmx).

    Someone who gave their password and is at the second-factor step goes back to that
    step: asking for the password again would restart what they were doing.
    """
    pending_step_url = current_app.extensions.get(PENDING_STEP)
    step = pending_step_url() if pending_step_url else None
    target = step or url_for("auth.login", next=current_path() if request.method == "GET" else None)
    if is_htmx_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    if step is None:
        flash(login_manager.login_message, "info")
    return redirect(target)


# Choices of the visitor that survive a new session: nothing that grants anything.
KEPT_ACROSS_LOGIN = ("locale",)


def fresh_session() -> None:
    """Empty the session (a new login must not inherit anything) but the visitor's choices."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


def open_session(user: User, second_factor: bool = False) -> None:
    """Start a fresh session for ``user`` (no fixation) and log it; the caller commits."""
    fresh_session()
    login_user(user)
    session[SECOND_FACTOR] = second_factor
    session[LOGIN_AT] = session[SEEN_AT] = int(time.time())
    user.last_login_at = utcnow()
    log_activity("auth.login", target=user, actor=user)


def renew_session(user: User) -> None:
    """Keep the current session alive after ``end_all_sessions`` (own password change).

    The cookie gets the new session version; its login time and second factor are kept, so
    the absolute lifetime still counts from the real login.
    """
    kept = {key: session.get(key) for key in (SECOND_FACTOR, LOGIN_AT, SEEN_AT)}
    fresh_session()
    login_user(user)
    session.update(kept)


SEEN_AT_RESOLUTION_S = 60


def session_expiry(now: float | None = None) -> str | None:
    """Why the current session must close ("absolute" or "idle"), or None while it is valid."""
    now = time.time() if now is None else now
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return "absolute"  # a session opened elsewhere than open_session: not trusted
    config = current_app.config
    if now - login_at > config["PERMANENT_SESSION_LIFETIME"].total_seconds():
        return "absolute"
    key = "IDLE_TIMEOUT_ADMIN_MINUTES" if current_user.is_admin else "IDLE_TIMEOUT_CLIENT_MINUTES"
    if now - seen_at > config[key] * 60:
        return "idle"
    return None


def enforce_session_lifetime():
    """Close a session that is idle or too old; otherwise record that it was used now."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    reason = session_expiry()
    if reason is None:
        now = int(time.time())
        # Rewritten at most once a minute: a new cookie on every response costs every page.
        if now - session.get(SEEN_AT, 0) >= SEEN_AT_RESOLUTION_S:
            session[SEEN_AT] = now
        return None
    user = current_user._get_current_object()
    log_activity("auth.session_expired", target=user, actor=user, detail={"reason": reason})
    db.session.commit()
    logout_user()
    session.clear()
    flash(_l("Votre session a expiré. Connectez-vous à nouveau."), "info")
    return None


def init_app(app: Flask) -> None:
    """Sessions on ``app``: the login manager's settings, the user loader, the lifetime check.

    Called by ``create_app`` after the other request hooks and before the areas register, the
    place the lifetime check always had among the ``before_request`` functions.
    """
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(enforce_session_lifetime)
