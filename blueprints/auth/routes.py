"""Routes of the accounts area."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from blueprints.auth import bp
from blueprints.auth.forms import LoginForm
from blueprints.auth.rules import canonical_email
from blueprints.auth.sessions import end_all_sessions, open_session
from blueprints.auth.two_factor import needs_second_factor, start_second_factor
from models import db
from models.user import User
from services.activity import log_activity
from services.captcha import verify_captcha
from services.htmx import htmx_redirect, is_fragment_request
from services.passwords import verify_password
from services.security import safe_redirect_target


def landing_url(user: User) -> str:
    return url_for("admin.home" if user.is_admin else "account.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password."""
    form = LoginForm(next=request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        captcha = verify_captcha(request.form, "login")
        if not captcha.ok:
            log_activity(
                "auth.captcha",
                outcome="failure",
                detail={"action": "login", "reason": captcha.reason},
            )
            db.session.commit()
            form.form_errors.append(captcha.message)
            template = "auth/_login_form.html" if is_fragment_request() else "auth/login.html"
            return render_template(template, form=form), 422
        user = db.session.scalar(
            sa.select(User).where(User.email_canonical == canonical_email(form.email.data))
        )
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and password_ok and user.is_enabled:
            next_url = safe_redirect_target(form.next.data, landing_url(user))
            if needs_second_factor(user):
                return start_second_factor(user, next_url)
            open_session(user)
            db.session.commit()
            return htmx_redirect(next_url)
        log_activity("auth.login", target=user, outcome="failure", detail={"reason": "credentials"})
        db.session.commit()
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        status = 422
    elif request.method == "POST":
        status = 422
    template = "auth/_login_form.html" if is_fragment_request() else "auth/login.html"
    return render_template(template, form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out: this session and every copy of its cookie stop working."""
    user = current_user._get_current_object()
    log_activity("auth.logout", target=user)
    end_all_sessions(user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("auth.login"), code=303)
