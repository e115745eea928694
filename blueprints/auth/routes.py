"""Routes of the accounts area: login, logout, registration, verification, reset, security."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required, logout_user

from blueprints.auth import bp
from blueprints.auth.forms import (
    PASSWORD_FIELD_MAX,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
)
from blueprints.auth.history import recent_logins
from blueprints.auth.two_factor import needs_second_factor, start_second_factor
from models import db
from models.user import User
from services import accounts, login_guard
from services.account_rules import normalize_email, password_problems
from services.activity import log_activity
from services.i18n import gettext as _
from services.i18n import ngettext
from services.passwords import verify_password
from services.tokens import TokenExpired, TokenInvalid
from services.totp import two_factor_summary
from web.captcha import verify_captcha
from web.extensions import client_ip
from web.forms import render_form
from web.htmx import htmx_redirect, render_page_or_fragment
from web.security import safe_redirect_target
from web.sessions import open_session, renew_session


def landing_url(user: User) -> str:
    return url_for("admin.home" if user.is_admin else "account.dashboard")


def _captcha_refused(form, action: str, captcha) -> None:
    log_activity(
        "auth.captcha", outcome="failure", detail={"action": action, "reason": captcha.reason}
    )
    db.session.commit()
    form.form_errors.append(captcha.message)


# --- Login and logout --------------------------------------------------------------------


def _guard_message(refusal: login_guard.Refusal) -> str:
    """What a visitor refused before the password check reads (unknown addresses alike)."""
    if refusal.reason == login_guard.LOCKED:
        minutes = max(1, -(-refusal.wait_seconds // 60))
        return ngettext(
            "Trop de tentatives ont échoué depuis votre réseau : la connexion à ce compte y est "
            "suspendue pendant encore %(num)s minute. Vous pouvez vous connecter depuis un autre "
            "réseau, ou choisir un nouveau mot de passe (« Mot de passe oublié ? »), ce qui lève "
            "la suspension.",
            "Trop de tentatives ont échoué depuis votre réseau : la connexion à ce compte y est "
            "suspendue pendant encore %(num)s minutes. Vous pouvez vous connecter depuis un autre "
            "réseau, ou choisir un nouveau mot de passe (« Mot de passe oublié ? »), ce qui lève "
            "la suspension.",
            minutes,
        )
    return ngettext(
        "Plusieurs tentatives ont échoué : patientez %(num)s seconde avant de réessayer.",
        "Plusieurs tentatives ont échoué : patientez %(num)s secondes avant de réessayer.",
        refusal.wait_seconds,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password.

    Unknown address, wrong password, disabled account: one answer, one status, and the same
    password-hashing work; the activity log records the real reason. Wrong passwords are
    counted per account and source (``services.login_guard``): a source that keeps failing
    waits, then is locked out of that account; the account itself never is, and an account
    under attack asks visitors from elsewhere than the owner's usual network for a harder
    CAPTCHA.
    """
    form = LoginForm(next=request.args.get("next"))
    render = {"form": form, "unverified_email": None, "captcha_hard": False}
    if not form.validate_on_submit():
        return render_form(
            "auth/login.html",
            form,
            "auth/_login_form.html",
            unverified_email=None,
            captcha_hard=False,
        )

    key = login_guard.account_key(form.email.data)
    source = login_guard.source_of(client_ip())
    user = accounts.find_account(form.email.data)
    blocked = login_guard.refusal(key, source)
    if blocked is not None:
        log_activity(
            "auth.login", target=user, outcome="failure", detail={"reason": blocked.reason}
        )
        db.session.commit()
        form.form_errors.append(_guard_message(blocked))
        return render_page_or_fragment("auth/login.html", "auth/_login_form.html", 422, **render)
    render["captcha_hard"] = login_guard.needs_harder_proof(key, user, source)
    captcha = verify_captcha(request.form, "login", hard=render["captcha_hard"])
    if not captcha.ok:
        _captcha_refused(form, "login", captcha)
        return render_page_or_fragment("auth/login.html", "auth/_login_form.html", 422, **render)

    password_ok = verify_password(user.password_hash if user else None, form.password.data)
    refusal = accounts.login_refusal(user, password_ok)
    if refusal is None:
        login_guard.record_success(key, source)
        accounts.record_successful_login(user, form.password.data)
        next_url = safe_redirect_target(form.next.data, landing_url(user))
        if needs_second_factor(user):
            db.session.commit()
            return start_second_factor(user, next_url)
        open_session(user)
        db.session.commit()
        return htmx_redirect(next_url)

    log_activity("auth.login", target=user, outcome="failure", detail={"reason": refusal})
    if refusal in (accounts.REFUSED_PASSWORD, accounts.REFUSED_UNKNOWN):
        login_guard.record_failure(key, source, user)
    db.session.commit()
    if refusal == accounts.REFUSED_UNVERIFIED:
        # Only someone who knows the password learns that the address awaits confirmation.
        form.form_errors.append(
            _(
                "Votre adresse e-mail n'est pas encore confirmée. Ouvrez le lien reçu par e-mail "
                "lors de votre inscription, ou demandez un nouveau lien."
            )
        )
        render["unverified_email"] = user.email
    else:
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_page_or_fragment("auth/login.html", "auth/_login_form.html", 422, **render)


@bp.post("/logout")
@login_required
def logout():
    """Log out: this session and every copy of its cookie stop working."""
    user = current_user._get_current_object()
    log_activity("auth.logout", target=user)
    accounts.end_all_sessions(user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("auth.login"), code=303)


# --- Registration and verification -------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a client account; the address is confirmed by a link before the first login.

    An address that already has an account gets the same answer on screen; its owner is
    told by mail, so registration does not reveal who has an account.
    """
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = RegistrationForm()
    if not form.validate_on_submit():
        return render_form("auth/register.html", form, "auth/_register_form.html")
    captcha = verify_captcha(request.form, "register")
    if not captcha.ok:
        _captcha_refused(form, "register", captcha)
        return render_page_or_fragment(
            "auth/register.html", "auth/_register_form.html", 422, form=form
        )

    email = normalize_email(form.email.data)
    accounts.register_client(
        email,
        form.password.data,
        form.category.data,
        form.newsletter.data,
        # The language the visitor reads now (chosen, else the browser's): mails follow it.
        locale=str(get_locale()),
    )
    db.session.commit()
    flash(
        _(
            "Merci ! Un e-mail vient d'être envoyé à %(email)s. Ouvrez le lien qu'il contient "
            "pour activer votre compte, puis connectez-vous.",
            email=email,
        ),
        "success",
    )
    return htmx_redirect(url_for("auth.login"))


@bp.post("/register/password-check")
def password_check():
    """The password rule, live, while the person types: what is still missing."""
    password = request.form.get("password", "")[: PASSWORD_FIELD_MAX + 1]
    problems = password_problems(password, request.form.get("email", "")[:254])
    return render_template("auth/_password_rules.html", problems=problems, typed=bool(password))


@bp.get("/verify/<token>")
def verify_email(token: str):
    """Open the verification link: the address is confirmed and the account can log in."""
    try:
        accounts.verify_email(token)
    except TokenExpired:
        return _link_problem(_("Ce lien de confirmation a expiré."), "auth.resend_verification")
    except TokenInvalid:
        return _link_problem(
            _("Ce lien de confirmation n'est pas valide."), "auth.resend_verification"
        )
    db.session.commit()
    flash(_("Votre adresse e-mail est confirmée. Vous pouvez vous connecter."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
def resend_verification():
    """Send a new verification link; the answer is the same whether the account exists or not."""
    form = EmailForm(email=request.args.get("email"))
    if not form.validate_on_submit():
        return render_form("auth/email_form.html", form, purpose="resend")
    accounts.resend_verification(form.email.data)
    db.session.commit()
    flash(
        _(
            "Si un compte en attente de confirmation existe pour cette adresse, un nouveau lien "
            "vient de lui être envoyé."
        ),
        "success",
    )
    return htmx_redirect(url_for("auth.login"))


# --- Password reset ----------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link; the page says the same whatever the address."""
    form = EmailForm()
    if not form.validate_on_submit():
        return render_form("auth/email_form.html", form, purpose="reset")
    accounts.request_password_reset(form.email.data)
    db.session.commit()
    flash(
        _(
            "Si un compte existe pour cette adresse, un lien pour choisir un nouveau mot de passe "
            "vient de lui être envoyé. Il est valable une heure."
        ),
        "success",
    )
    return htmx_redirect(url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a reset (or invitation) link; every session ends."""
    try:
        user = accounts.user_from_reset_token(token)
    except TokenExpired:
        return _link_problem(_("Ce lien a expiré."), "auth.reset_request")
    except TokenInvalid:
        return _link_problem(
            _("Ce lien n'est plus valable : il a déjà servi ou le mot de passe a changé depuis."),
            "auth.reset_request",
        )
    form = ResetPasswordForm(account_email=user.email)
    if not form.validate_on_submit():
        return render_form("auth/reset_password.html", form, user=user)
    accounts.reset_password(user, form.password.data)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Votre mot de passe est enregistré. Connectez-vous avec le nouveau."), "success")
    return htmx_redirect(url_for("auth.login"))


# --- Security page -----------------------------------------------------------------------


def _security_page(status=200, password_form=None, email_form=None, fragment=None):
    user = current_user._get_current_object()
    context = {
        "password_form": password_form or ChangePasswordForm(account_email=user.email),
        "email_form": email_form or ChangeEmailForm(),
        "logins": recent_logins(user),
        "two_factor": two_factor_summary(user),
    }
    return render_page_or_fragment(
        "auth/security.html", fragment or "auth/security.html", status, **context
    )


@bp.get("/security")
@login_required
def security():
    """The account's security: change password or address, see the recent logins."""
    return _security_page()


@bp.post("/security/password")
@login_required
def change_password():
    """Change the password (the current one is needed); every other session ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(account_email=user.email)
    valid = form.validate_on_submit()
    if valid and not verify_password(user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("Mot de passe actuel incorrect."))
        log_activity("auth.password_changed", target=user, outcome="failure")
        db.session.commit()
        valid = False
    if not valid:
        return _security_page(422, password_form=form, fragment="auth/_change_password_form.html")
    accounts.set_password(user, form.password.data)
    log_activity("auth.password_changed", target=user)
    accounts.send_password_changed_mail(user)
    db.session.commit()
    renew_session(user)
    flash(_("Votre mot de passe est modifié. Vos autres sessions sont fermées."), "success")
    return htmx_redirect(url_for("auth.security"))


@bp.post("/security/email")
@login_required
def change_email():
    """Ask to change the address: a link goes to the new one, a notice to the current one."""
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    valid = form.validate_on_submit()
    if valid and not verify_password(user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("Mot de passe actuel incorrect."))
        valid = False
    new_email = normalize_email(form.new_email.data or "")
    if valid and accounts.canonical(new_email) == user.email_canonical:
        form.new_email.errors.append(_("C'est déjà votre adresse actuelle."))
        valid = False
    if not valid:
        return _security_page(422, email_form=form, fragment="auth/_change_email_form.html")
    if accounts.find_account(new_email) is None:
        # An address taken by another account gets nothing: the answer must not reveal it.
        accounts.request_email_change(user, new_email)
    db.session.commit()
    flash(
        _(
            "Un lien de confirmation a été envoyé à %(email)s. Votre adresse changera quand vous "
            "l'ouvrirez.",
            email=new_email,
        ),
        "success",
    )
    return htmx_redirect(url_for("auth.security"))


@bp.get("/email/confirm/<token>")
def confirm_email_change(token: str):
    """Open the link sent to the new address: the account now uses it to log in."""
    # Read before the change: it ends every session, this one included.
    opener_id = current_user.id if current_user.is_authenticated else None
    try:
        user = accounts.apply_email_change(token)
    except TokenExpired:
        return _link_problem(_("Ce lien de confirmation a expiré."), "auth.security")
    except (TokenInvalid, accounts.EmailTaken):
        return _link_problem(_("Ce lien de confirmation n'est plus valable."), "auth.security")
    db.session.commit()
    # Every session of the account ended; the one that opened the link, if it is the owner's,
    # goes on with the new session version.
    stays = opener_id == user.id
    if stays:
        renew_session(user)
    flash(
        _("Votre nouvelle adresse e-mail est enregistrée. Vos autres sessions sont fermées."),
        "success",
    )
    return redirect(url_for("auth.security" if stays else "auth.login"))


# --- Shared pages ------------------------------------------------------------------------


def _link_problem(message: str, retry_endpoint: str):
    """A link from a mail that cannot be used: say why and how to get a new one."""
    return render_template("auth/link_problem.html", message=message, retry_endpoint=retry_endpoint)
