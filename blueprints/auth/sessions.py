"""Sessions: loading the user from the cookie, ending every session of an account."""

from __future__ import annotations

from flask import make_response, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from models import db, utcnow
from models.user import User
from services.activity import log_activity
from services.extensions import login_manager
from services.htmx import is_htmx_request

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The user of a session, only while the session version in the cookie is current."""
    user_id, _, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_enabled:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitor on a protected page: to the login page (HX-Redirect for htmx)."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    from flask import flash

    flash(login_manager.login_message, "info")
    return redirect(target)


def open_session(user: User, second_factor: bool = False) -> None:
    """Start a fresh session for ``user`` (no fixation) and log it; the caller commits."""
    session.clear()
    login_user(user)
    session["second_factor"] = second_factor
    user.last_login_at = utcnow()
    log_activity("auth.login", target=user, actor=user)


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of ``user`` (logout, password change, reset)."""
    user.session_version += 1
