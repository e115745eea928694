"""Accounts in the administration: search, disable and enable, reset link, new admin, TOTP reset."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from blueprints.admin import bp
from blueprints.admin.forms import NewAdminForm
from models import db
from models.client import Client
from models.user import ROLE_ADMIN, ROLE_CLIENT, User
from services import accounts, login_guard, totp
from services.account_rules import normalize_email
from services.i18n import gettext as _
from web.access import admin_required
from web.forms import EmptyForm, record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment

ROLES = (ROLE_CLIENT, ROLE_ADMIN)
MAX_QUERY = 100


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search_accounts(query: str = "", role: str = "", after: int | None = None, limit: int = 25):
    """Accounts matching ``query`` (address, names, company) and ``role``, newest first.

    Keyset pagination on the id: ``after`` is the last id of the previous page. Returns the
    page and the id to continue from (None on the last page).
    """
    statement = (
        sa.select(User)
        .outerjoin(Client, Client.user_id == User.id)
        .options(joinedload(User.client))
        .order_by(User.id.desc())
        .limit(limit + 1)
    )
    if query:
        pattern = _like(query)
        statement = statement.where(
            sa.or_(
                *(
                    sa.func.lower(column).like(pattern, escape="\\")
                    for column in (
                        User.email_canonical,
                        Client.last_name,
                        Client.first_name,
                        Client.company_name,
                    )
                )
            )
        )
    if role in ROLES:
        statement = statement.where(User.role == role)
    if after is not None:
        statement = statement.where(User.id < after)
    rows = list(db.session.scalars(statement).unique())
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


@bp.get("/users")
@admin_required
def users():
    """Every account, searchable by address, name or company, with its state and actions."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    role = request.args.get("role", "")
    after = request.args.get("after", type=record_id)
    page, next_after = search_accounts(query, role, after, current_app.config["PAGE_SIZE"])
    return render_page_or_fragment(
        "admin/users/list.html",
        "admin/users/_list.html",
        accounts_page=page,
        next_after=next_after,
        query=query,
        role=role,
        locked_ids=login_guard.locked_account_ids(page),
    )


def _back_to_list():
    return htmx_redirect(url_for("admin.users", q=request.form.get("q") or None))


@bp.post("/users/<int:user_id>/disable")
@admin_required
def user_disable(user_id: int):
    """Disable an account: it can no longer log in, and its open sessions end now."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
            return _back_to_list()
        accounts.disable_account(user, by=current_user)
        db.session.commit()
        flash(_("Le compte %(email)s est désactivé.", email=user.email), "success")
    return _back_to_list()


@bp.post("/users/<int:user_id>/enable")
@admin_required
def user_enable(user_id: int):
    """Enable an account again, and lift the lock-outs of the sources that failed on it."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        accounts.enable_account(user, by=current_user)
        db.session.commit()
        flash(_("Le compte %(email)s est réactivé.", email=user.email), "success")
    return _back_to_list()


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def user_send_reset(user_id: int):
    """Mail the account's owner a link to choose a new password."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        accounts.send_reset_mail(user, by=current_user)
        db.session.commit()
        flash(
            _("Un lien de réinitialisation a été envoyé à %(email)s.", email=user.email), "success"
        )
    return _back_to_list()


@bp.post("/users/<int:user_id>/reset-totp")
@admin_required
def user_reset_totp(user_id: int):
    """Remove the lost TOTP of another admin; they enrol again at their next login."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        if user.id == current_user.id or not user.is_admin:
            flash(_("Cette action ne concerne que le compte d'un autre administrateur."), "error")
            return _back_to_list()
        totp.reset_totp(user, by=current_user)
        db.session.commit()
        flash(
            _("La double authentification de %(email)s est réinitialisée.", email=user.email),
            "success",
        )
    return _back_to_list()


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    """Create another admin: the new admin chooses a password through a mailed link."""
    form = NewAdminForm()
    if not form.validate_on_submit():
        return render_form("admin/users/new.html", form)
    user = accounts.invite_admin(normalize_email(form.email.data), by=current_user)
    db.session.commit()
    flash(
        _(
            "Administrateur créé : un lien pour choisir son mot de passe a été envoyé à %(email)s.",
            email=user.email,
        ),
        "success",
    )
    return htmx_redirect(url_for("admin.users"))
