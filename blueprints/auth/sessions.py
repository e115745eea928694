"""Sessions: loading the user from the cookie, ending every session of an account."""

from __future__ import annotations

from flask import make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from models import db
from models.user import User
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


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of ``user`` (logout, password change, reset)."""
    user.session_version += 1
