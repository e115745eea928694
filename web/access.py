"""Access rules shared by every area: who may open which page."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request, session
from flask_login import current_user, login_required, logout_user

from models import db
from services.activity import log_client_viewed
from web.extensions import login_manager
from web.sessions import SECOND_FACTOR


def admin_required(view):
    """Only a logged-in admin reaches ``view``; anyone else gets a 404 (nothing to see here).

    The admin's session must have passed the second factor (TOTP): a password-only session is
    ended and sent back to the login page.
    """

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        if not session.get(SECOND_FACTOR):
            logout_user()
            session.clear()
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def client_required(view):
    """Only a logged-in client (with a client file) reaches ``view``."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_admin or current_user.client is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def log_admin_view(client_id: int, section: str | None = None) -> None:
    """Log that the admin sees the data of client ``client_id``, and commit it at once.

    Every admin page about one client calls it before loading what it shows. Only a page
    being shown counts: a form sent back was logged when it was opened.
    """
    g.viewed_client_id = client_id  # the page is about this client (its restriction banner)
    if request.method == "POST":
        return
    log_client_viewed(client_id, section)
    # What was loaded before (the admin, the client) was read by this very request: expiring
    # it at the commit would only read it again for the page (three queries on a client's page).
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
