"""Routes of the second factor: the code step at login, enrolment, recovery codes, turning off."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from blueprints.auth import bp
from blueprints.auth.totp_forms import CodeForm, ConfirmPasswordForm, ReplaceKeyForm
from blueprints.auth.two_factor import (
    abandon_second_factor,
    failures_since,
    finish_second_factor,
    mark_authenticated,
    pending_started_at,
    pending_user,
    recently_authenticated,
    too_many_failures,
)
from models import db
from models.user import User
from services.activity import log_activity
from services.crypto import decrypt, encrypt
from services.i18n import gettext as _
from services.passwords import verify_password
from services.totp import (
    OK,
    RECOVERY,
    REPLAYED,
    TOTP_LOCKED,
    Enrolment,
    check_current_factor,
    check_login_code,
    disable_totp,
    enable_totp,
    has_totp,
    log_failed_code,
    matching_step,
    new_secret,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    two_factor_summary,
)
from web.access import client_required
from web.forms import render_form
from web.htmx import htmx_redirect
from web.security import safe_redirect_target
from web.sessions import SECOND_FACTOR

# Session keys. The secret and the codes are encrypted there: the cookie is signed, not secret.
NEW_SECRET_KEY = "totp_new_secret"  # noqa: S105 - the name of a session key
NEW_CODES_KEY = "totp_new_codes"  # shown once, then dropped
AFTER_CODES_KEY = "totp_after_codes"
REAUTH_ACTION = "auth.reauth"
# Window over which wrong codes or passwords are counted for a logged-in session.
LOGGED_IN_FAILURE_WINDOW_S = 900


def _landing(user: User) -> str:
    return url_for("admin.home" if user.is_admin else "account.dashboard")


def settings_url() -> str:
    """Where a person manages their second factor: the security page once it exists."""
    if "auth.security" in current_app.view_functions:
        return url_for("auth.security")
    return url_for("auth.totp_enroll")


def _back_to_login(message: str):
    abandon_second_factor()
    flash(message, "info")
    return htmx_redirect(url_for("auth.login"))


def _locked_out(user: User):
    """Too many wrong codes: the pending login is dropped, the password is needed again."""
    log_activity(TOTP_LOCKED, target=user, actor=user, outcome="failure")
    db.session.commit()
    return _back_to_login(_("Trop de codes erronés : reconnectez-vous avec votre mot de passe."))


def _code_error(outcome: str) -> str:
    if outcome == REPLAYED:
        return _("Ce code a déjà été utilisé : attendez le suivant.")
    return _("Code incorrect. Vérifiez l'heure de votre téléphone et réessayez.")


def _expired_message() -> str:
    return _("Votre connexion a expiré : saisissez de nouveau votre mot de passe.")


def _ask_password_again():
    return htmx_redirect(url_for("auth.totp_confirm_password", next=request.path))


def _show_new_codes(codes: list[str], after: str):
    """Keep the new codes (encrypted) for the one page that shows them."""
    session[NEW_CODES_KEY] = encrypt(" ".join(codes))
    session[AFTER_CODES_KEY] = after
    return htmx_redirect(url_for("auth.recovery_codes"))


@bp.route("/totp", methods=["GET", "POST"])
def totp_verify():
    """The code step of the login: a code of the authenticator app, or a recovery code."""
    user = pending_user()
    if user is None:
        return _back_to_login(_expired_message())
    if not has_totp(user):
        return redirect(url_for("auth.totp_enroll"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_form("auth/totp_verify.html", form)
    if too_many_failures(user, pending_started_at()):
        return _locked_out(user)
    outcome = check_login_code(user, form.code.data)
    if outcome in (OK, RECOVERY):
        next_url = finish_second_factor(user)
        left = remaining_recovery_codes(user)
        db.session.commit()
        if outcome == RECOVERY:
            flash(
                _(
                    "Code de secours utilisé : il vous en reste %(left)s. Pensez à en générer de nouveaux.",
                    left=left,
                ),
                "warning",
            )
        return htmx_redirect(next_url)
    db.session.commit()
    if too_many_failures(user, pending_started_at()):
        return _locked_out(user)
    form.code.errors.append(_code_error(outcome))
    return render_template("auth/totp_verify.html", form=form), 422


def _enrolment_secret() -> str:
    """The secret being enrolled in this session (the same across reloads of the page)."""
    stored = session.get(NEW_SECRET_KEY)
    if stored:
        return decrypt(stored)
    secret = new_secret()
    session[NEW_SECRET_KEY] = encrypt(secret)
    return secret


def _too_many_codes_message() -> str:
    return _("Trop de codes erronés : réessayez dans quelques minutes.")


def _recent_failures(user: User) -> bool:
    """True when a logged-in ``user`` gave too many wrong codes lately (guessing, not typos)."""
    return too_many_failures(user, time.time() - LOGGED_IN_FAILURE_WINDOW_S)


def _current_factor_refused(user: User, field, step: str) -> bool:
    """Check the proof of the enrolled factor typed in ``field``; False when it is accepted.

    On a refusal the reason is added to the field's errors.
    """
    if _recent_failures(user):
        field.errors.append(_too_many_codes_message())
        return True
    outcome = check_current_factor(user, field.data, step)
    if outcome in (OK, RECOVERY):
        return False
    field.errors.append(_code_error(outcome))
    return True


@bp.route("/totp/enroll", methods=["GET", "POST"])
def totp_enroll():
    """Set up the second factor: QR code and key, confirmed by a valid code.

    Reached right after the password by an admin without TOTP (mandatory), or by a logged-in
    person who proved the password recently (a client turning it on, anyone enrolling again).
    Replacing an enrolled key also takes a code of the current one, or a recovery code: a
    session alone (left open, or stolen) must not be enough to take over the second factor.
    """
    if current_user.is_authenticated:
        user, pending = current_user._get_current_object(), False
        if not recently_authenticated():
            return _ask_password_again()
    else:
        user, pending = pending_user(), True
        if user is None:
            return _back_to_login(_expired_message())
        if has_totp(user):  # enrolling is never a way around the code of an enrolled account
            return redirect(url_for("auth.totp_verify"))
    replacing = has_totp(user)
    secret = _enrolment_secret()
    form = ReplaceKeyForm() if replacing else CodeForm()
    if form.validate_on_submit():
        if pending and too_many_failures(user, pending_started_at()):
            return _locked_out(user)
        # The new code first: it is checked without spending anything, so a typo there does
        # not waste the current code or a recovery code.
        step = matching_step(secret, form.code.data)
        if step is None:
            log_failed_code(user, "invalid", "enrol")
            form.code.errors.append(_code_error("invalid"))
        elif not (replacing and _current_factor_refused(user, form.current_code, "replace")):
            codes = enable_totp(user, secret, step)
            session.pop(NEW_SECRET_KEY, None)
            if pending:
                after = finish_second_factor(user)
            else:
                session[SECOND_FACTOR] = True
                after = settings_url()
            response = _show_new_codes(codes, after)
            db.session.commit()
            return response
        db.session.commit()
        if pending and too_many_failures(user, pending_started_at()):
            return _locked_out(user)
    return render_form(
        "auth/totp_enroll.html",
        form,
        enrolment=Enrolment(secret, user.email),
        user=user,
        pending=pending,
        replacing=replacing,
        two_factor=two_factor_summary(user),
    )


@bp.route("/totp/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """New recovery codes, shown once; otherwise how many are left and a form to replace them."""
    user = current_user._get_current_object()
    if request.method == "GET" and NEW_CODES_KEY in session:
        codes = decrypt(session.pop(NEW_CODES_KEY)).split()
        after = session.pop(AFTER_CODES_KEY, None) or _landing(user)
        return render_template("auth/recovery_codes_new.html", codes=codes, after=after)
    if not has_totp(user):
        return redirect(url_for("auth.totp_enroll"))
    if not recently_authenticated():
        return _ask_password_again()
    form = CodeForm()
    if form.validate_on_submit():
        if not _current_factor_refused(user, form.code, "recovery_codes"):
            codes = regenerate_recovery_codes(user)
            response = _show_new_codes(codes, settings_url())
            db.session.commit()
            return response
        db.session.commit()
    return render_form("auth/recovery_codes.html", form, left=remaining_recovery_codes(user))


@bp.route("/totp/disable", methods=["GET", "POST"])
@client_required
def totp_disable():
    """A client turns the second factor off with a code or a recovery code (admins keep it)."""
    user = current_user._get_current_object()
    if not has_totp(user):
        return redirect(url_for("auth.totp_enroll"))
    form = CodeForm()
    if form.validate_on_submit():
        if not _current_factor_refused(user, form.code, "disable"):
            disable_totp(user)
            db.session.commit()
            flash(_("La double authentification est désactivée."), "success")
            return htmx_redirect(settings_url())
        db.session.commit()
    return render_form("auth/totp_disable.html", form)


@bp.route("/totp/confirm-password", methods=["GET", "POST"])
@login_required
def totp_confirm_password():
    """The password again before enrolling anew or replacing recovery codes."""
    user = current_user._get_current_object()
    form = ConfirmPasswordForm(next=request.args.get("next"))
    if form.validate_on_submit():
        target = safe_redirect_target(form.next.data, url_for("auth.totp_enroll"))
        if verify_password(user.password_hash, form.password.data):
            mark_authenticated()
            log_activity(REAUTH_ACTION, target=user)
            db.session.commit()
            return htmx_redirect(target)
        log_activity(REAUTH_ACTION, target=user, outcome="failure")
        db.session.commit()
        since = time.time() - LOGGED_IN_FAILURE_WINDOW_S
        limit = current_app.config["TOTP_MAX_FAILURES"]
        if failures_since(user, since, actions=(REAUTH_ACTION,)) >= limit:
            # A stolen session must not become a way to guess the password.
            user.session_version += 1
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Trop d'essais : vous avez été déconnecté."), "info")
            return htmx_redirect(url_for("auth.login"))
        form.password.errors.append(_("Mot de passe incorrect."))
    return render_form("auth/confirm_password.html", form)
