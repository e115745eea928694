"""CAPTCHA on registration and login, behind one interface chosen by ``CAPTCHA_PROVIDER``.

Providers: ``recaptcha`` (Google reCAPTCHA v3, the policy's method, only with the visitor's
consent), ``altcha`` (self-hosted proof of work), ``off`` (debug and tests only).
Views call :func:`verify_captcha`; templates include ``_captcha.html``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass
class CaptchaResult:
    ok: bool
    reason: str | None = None  # why it failed, for the activity log (never shown as is)
    message: str | None = None  # what to tell the visitor, in their language


def provider_name() -> str:
    return current_app.config["CAPTCHA_PROVIDER"]


def verify_captcha(form_data, action: str) -> CaptchaResult:
    """Check the CAPTCHA answer sent with ``form_data`` for ``action`` ("register" or "login")."""
    if provider_name() == "off":
        return CaptchaResult(ok=True)
    raise NotImplementedError(provider_name())
