"""Abuse limits: Flask-Limiter limits attached to the sensitive endpoints by name.

Each app has its own limiter (:func:`init_app`, :func:`limiter_of`): apps built in one process
(tests build many) share no limits, counts or settings. The factory calls :func:`attach_limits`
after the blueprints are registered, so the views carry no limiter decorator. Each form endpoint is limited per client address and per account (the
e-mail submitted, or the user of the session for the TOTP step); only POSTs count, so showing
a form costs nothing. A limit on an endpoint the app does not have stops the start-up: a renamed
view must not lose its limit silently.

The limit strings come from the configuration (``RATELIMIT_LOGIN``, ``RATELIMIT_LOGIN_ACCOUNT``
...), read at each request. The storage is ``RATELIMIT_STORAGE_URI``: ``memory://`` counts per
worker process; use ``redis://`` when several workers serve the site. The client address is
``request.remote_addr``, which trusts ``X-Forwarded-For`` only through the configured ProxyFix
depth (``PROXY_FIX_X_FOR``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_limiter import Limiter

from web.extensions import client_ip
from web.sessions import PENDING_SECOND_FACTOR

LIMITER = "espace_client_limiter"  # app.extensions[LIMITER]: the app's Limiter


def account_key() -> str:
    """The account a form names: its e-mail, canonical (trimmed, lower-cased), hashed.

    Hashed so that the limiter storage (Redis) holds no address in clear.
    """
    email = (request.form.get("email") or "").strip().lower()
    if not email:
        return ""
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def account_source_key() -> str:
    """The account a login names, from this client address only.

    Counting logins per account alone would let anyone, from elsewhere, use up the owner's
    allowance and lock them out (``services.login_guard`` counts per account and source too).
    """
    account = account_key()
    return f"{account}:{client_ip()}" if account else ""


def session_user_key() -> str:
    """The user of the session (pending second factor, or logged in)."""
    pending = session.get(PENDING_SECOND_FACTOR)
    if isinstance(pending, dict) and pending.get("user_id"):
        return f"user:{pending['user_id']}"
    logged_in = session.get("_user_id")
    return f"user:{str(logged_in).partition(':')[0]}" if logged_in else ""


def ip_key() -> str:
    return "ip:" + client_ip()


@dataclass(frozen=True)
class EndpointLimits:
    """The limits of one endpoint: config names of its per-IP and per-account limits."""

    endpoint: str
    per_ip: str
    per_account: str | None = None
    account: Callable[[], str] = account_key  # the key of the account the request names
    methods: tuple[str, ...] | None = ("POST",)  # None: every method counts


LIMITS = (
    EndpointLimits(
        "auth.login", "RATELIMIT_LOGIN", "RATELIMIT_LOGIN_ACCOUNT", account=account_source_key
    ),
    EndpointLimits("auth.register", "RATELIMIT_REGISTER", "RATELIMIT_REGISTER_ACCOUNT"),
    EndpointLimits("auth.reset_request", "RATELIMIT_RESET", "RATELIMIT_RESET_ACCOUNT"),
    EndpointLimits("auth.resend_verification", "RATELIMIT_RESEND", "RATELIMIT_RESEND_ACCOUNT"),
    EndpointLimits(
        "auth.totp_verify", "RATELIMIT_TOTP", "RATELIMIT_TOTP_ACCOUNT", account=session_user_key
    ),
    EndpointLimits(
        "auth.change_password",
        "RATELIMIT_SECURITY",
        "RATELIMIT_SECURITY_ACCOUNT",
        account=session_user_key,
    ),
    EndpointLimits(
        "auth.change_email",
        "RATELIMIT_SECURITY",
        "RATELIMIT_SECURITY_ACCOUNT",
        account=session_user_key,
    ),
    EndpointLimits("auth.password_check", "RATELIMIT_PASSWORD_CHECK", methods=None),
    EndpointLimits("auth.captcha_challenge", "RATELIMIT_CAPTCHA_CHALLENGE", methods=None),
)


class ConfiguredLimit:
    """A limit string read from the configuration at each request."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self) -> str:
        return current_app.config[self.name]


class _NoAccount:
    """Exempts a per-account limit when the request names no account (nothing to count)."""

    def __init__(self, account):
        self.account = account

    def __call__(self) -> bool:
        return not self.account()


class UnknownEndpointError(LookupError):
    """A limit names an endpoint that no view of the app answers."""


def missing_endpoints(app: Flask, limits=LIMITS) -> list[str]:
    """The endpoints of ``limits`` that ``app`` has no view for."""
    return [spec.endpoint for spec in limits if spec.endpoint not in app.view_functions]


def limiter_of(app: Flask) -> Limiter:
    """The limiter of ``app`` (made by :func:`init_app`)."""
    return app.extensions[LIMITER]


def attach_limits(app: Flask, limits=None) -> list[str]:
    """Wrap the view of each endpoint of ``limits`` (default LIMITS) in its limits.

    The endpoints limited are also kept in ``app.extensions["abuse_limits"]``. Raises
    :class:`UnknownEndpointError`, naming them, when ``app`` lacks one of the endpoints.
    """
    limits = LIMITS if limits is None else limits
    limiter = limiter_of(app)
    missing = missing_endpoints(app, limits)
    if missing:
        raise UnknownEndpointError(
            f"Abuse limits name endpoints the app does not have: {', '.join(missing)} "
            "(renamed or removed view? update web/limits.py LIMITS)"
        )
    attached = []
    for spec in limits:
        view = app.view_functions[spec.endpoint]
        methods = list(spec.methods) if spec.methods else None
        view = limiter.limit(
            ConfiguredLimit(spec.per_ip), key_func=ip_key, methods=methods, scope="ip"
        )(view)
        if spec.per_account:
            view = limiter.limit(
                ConfiguredLimit(spec.per_account),
                key_func=spec.account,
                methods=methods,
                scope="account",
                exempt_when=_NoAccount(spec.account),
            )(view)
        app.view_functions[spec.endpoint] = view
        attached.append(spec.endpoint)
    app.extensions["abuse_limits"] = attached
    return attached


def retry_after_seconds(default: int = 60) -> int:
    """Seconds until the limit hit by this request lets the visitor in again."""
    limiter = limiter_of(current_app)
    current = limiter.current_limit if limiter.enabled else None
    if current is None:
        return default
    return max(1, math.ceil(current.reset_at - time.time()))


def init_app(app: Flask) -> None:
    """Give ``app`` a limiter of its own, set from its configuration; limits come later."""
    limiter = Limiter(key_func=client_ip, default_limits=[])
    limiter.init_app(app)
    app.extensions[LIMITER] = limiter
