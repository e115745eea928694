"""Signed tokens for the links sent by mail: verification, reset, e-mail change, invitation.

Each purpose has its own salt, so a token made for one purpose is worthless for another. A token
carries no secret: it is signed with ``SECRET_KEY`` and dated; it is checked against the state of
the account (a fingerprint of the password hash or of the address) so that it dies when that
state changes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALTS = {
    "verify_email": "espace-client.verify-email",
    "reset_password": "espace-client.reset-password",
    "change_email": "espace-client.change-email",
    # A client's invitation (services/invitations.py); the salt links already sent carry.
    "client_invitation": "client-invitation",
    # The client's confirmation of their erasure request (services/erasure.py).
    "erasure_confirm": "espace-client.erasure-confirm",
    # Newsletter consent (services/consent.py): its confirmation, and unsubscribing from a mail.
    "newsletter_confirm": "espace-client.newsletter-confirm",
    "newsletter_unsubscribe": "espace-client.newsletter-unsubscribe",
}


class TokenInvalid(Exception):
    """The token was altered, made for another purpose, or no longer matches the account."""


class TokenExpired(TokenInvalid):
    """The token is genuine but older than its purpose allows."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=SALTS[purpose], signer=TimestampSigner
    )


def make_token(purpose: str, payload: dict) -> str:
    """A URL-safe token for ``purpose`` carrying ``payload``, dated now."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta) -> dict:
    """The payload of ``token``; raises :class:`TokenExpired` or :class:`TokenInvalid`."""
    try:
        payload = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise TokenExpired(purpose) from error
    except BadSignature as error:
        raise TokenInvalid(purpose) from error
    if not isinstance(payload, dict):
        raise TokenInvalid(purpose)
    return payload


def fingerprint(value: str | None) -> str:
    """A short keyed digest of ``value`` (a password hash, an address) to bind a token to it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (value or "").encode(), hashlib.sha256).hexdigest()[:16]


def same_fingerprint(expected: str, value: str | None) -> bool:
    """True when ``expected`` is the fingerprint of ``value`` (constant-time comparison)."""
    return hmac.compare_digest(str(expected), fingerprint(value))
