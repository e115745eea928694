"""CAPTCHA on registration and login, behind one interface chosen by ``CAPTCHA_PROVIDER``.

Providers: ``recaptcha`` (Google reCAPTCHA v3, the policy's method, only with the visitor's
consent), ``altcha`` (self-hosted proof of work), ``off`` (debug and tests only).
Views call :func:`verify_captcha`; templates include ``_captcha.html``, which calls
:func:`captcha_widget`.

With ``recaptcha``, the CNIL holds that Google's script needs prior consent (and Google processes
the data in the United States): until the visitor chooses, the page shows the notice and loads
nothing from Google; a visitor who declines gets the ALTCHA challenge instead. The choice is kept
in the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

import altcha
from flask import current_app, g, request, session, url_for
from sqlalchemy.exc import IntegrityError

from models import db, utcnow
from models.captcha import SpentCaptchaChallenge
from services.i18n import gettext as _
from web.security import allow_in_csp

CONSENT_SESSION_KEY = "captcha_consent"
CONSENT_ACCEPT = "accept"
CONSENT_DECLINE = "decline"

ALTCHA_FIELD = "altcha"
RECAPTCHA_FIELD = "g-recaptcha-response"
RECAPTCHA_SCRIPT_URL = "https://www.google.com/recaptcha/api.js"
# The sources reCAPTCHA v3 needs, opened on the pages that show it and nowhere else.
RECAPTCHA_CSP = {
    "script-src": ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"),
    "frame-src": ("https://www.google.com/recaptcha/",),
    "connect-src": ("https://www.google.com/recaptcha/",),
}
ACTIONS_BY_ENDPOINT = {"auth.login": "login", "auth.register": "register"}
MAX_VERIFY_REPLY_BYTES = 64 * 1024
CLOCK_SKEW_S = 30  # a challenge_ts this far in the future is still accepted


@dataclass
class CaptchaResult:
    ok: bool
    reason: str | None = None  # why it failed, for the activity log (never shown as is)
    message: str | None = None  # what to tell the visitor, in their language


def provider_name() -> str:
    return current_app.config["CAPTCHA_PROVIDER"]


def consent_choice() -> str | None:
    """The visitor's answer to the reCAPTCHA notice, or None before they answer."""
    choice = session.get(CONSENT_SESSION_KEY)
    return choice if choice in (CONSENT_ACCEPT, CONSENT_DECLINE) else None


def remember_consent(choice: str) -> bool:
    """Keep the visitor's answer to the reCAPTCHA notice; False for an unknown answer."""
    if choice not in (CONSENT_ACCEPT, CONSENT_DECLINE):
        return False
    session[CONSENT_SESSION_KEY] = choice
    return True


def effective_method() -> str:
    """What this visitor gets now: "off", "altcha", "recaptcha", or "consent" (not chosen yet)."""
    provider = provider_name()
    if provider != "recaptcha":
        return provider
    choice = consent_choice()
    if choice == CONSENT_ACCEPT:
        return "recaptcha"
    if choice == CONSENT_DECLINE:
        return "altcha"
    return "consent"


# Messages are made at request time, in the visitor's language.
def _refusal(reason: str, message: str | None = None) -> CaptchaResult:
    if message is None:
        message = _("La vérification anti-robot a échoué. Réessayez d'envoyer le formulaire.")
    return CaptchaResult(ok=False, reason=reason, message=message)


def _missing() -> CaptchaResult:
    return _refusal(
        "missing",
        _("La vérification anti-robot n'est pas terminée. Patientez un instant puis réessayez."),
    )


def _unavailable(reason: str) -> CaptchaResult:
    return _refusal(
        reason, _("Service de vérification indisponible, réessayez dans quelques instants.")
    )


def _too_easy() -> CaptchaResult:
    return _refusal(
        "too_easy",
        _(
            "Des tentatives de connexion inhabituelles visent ce compte : une vérification "
            "anti-robot renforcée est demandée. Elle peut prendre jusqu'à une minute ; attendez "
            "qu'elle soit terminée, puis envoyez de nouveau le formulaire."
        ),
    )


def verify_captcha(form_data, action: str, hard: bool = False) -> CaptchaResult:
    """Check the CAPTCHA answer sent with ``form_data`` for ``action`` ("register" or "login").

    ``hard`` asks for the harder proof given to logins to an account under attack
    (``services.login_guard``): an ALTCHA challenge of ``ALTCHA_ATTACK_COST``, or a reCAPTCHA
    score of ``RECAPTCHA_ATTACK_MIN_SCORE``.
    Call it before writing anything in the request: a spent ALTCHA challenge is recorded at once
    in its own short transaction, so that it stays spent even if the rest of the request fails.
    """
    method = effective_method()
    if method == "off":
        return CaptchaResult(ok=True)
    if method == "altcha":
        minimum = current_app.config["ALTCHA_ATTACK_COST"] if hard else 0
        return verify_altcha(form_data.get(ALTCHA_FIELD, ""), minimum)
    if method == "recaptcha":
        return verify_recaptcha(form_data.get(RECAPTCHA_FIELD, ""), action, hard)
    if method == "consent":
        return _refusal(
            "no_choice",
            _(
                "Choisissez d'abord la vérification anti-robot : Google reCAPTCHA, "
                "ou notre vérification hébergée sur nos serveurs."
            ),
        )
    raise ValueError(f"CAPTCHA_PROVIDER inconnu : {method!r}")


# --- ALTCHA: self-hosted proof of work -------------------------------------------------------


def altcha_hmac_key() -> str:
    """The key that signs ALTCHA challenges: ``ALTCHA_HMAC_KEY``, or derived from SECRET_KEY."""
    configured = current_app.config.get("ALTCHA_HMAC_KEY")
    if configured:
        return configured
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"espace-client altcha challenge", hashlib.sha256).hexdigest()


def new_altcha_challenge(hard: bool = False) -> dict:
    """A fresh signed challenge, as the widget expects it (``parameters`` and ``signature``);
    ``hard``: the cost asked of logins to an account under attack."""
    config = current_app.config
    challenge = altcha.create_challenge(
        config["ALTCHA_ALGORITHM"],
        int(config["ALTCHA_ATTACK_COST" if hard else "ALTCHA_COST"]),
        expires_at=int(time.time()) + int(config["ALTCHA_EXPIRES_S"]),
        hmac_secret=altcha_hmac_key(),
    )
    return challenge.to_dict()


def verify_altcha(payload: str, min_cost: int = 0) -> CaptchaResult:
    """Accept a solved, signed, unexpired ALTCHA challenge of at least ``min_cost``, once."""
    if not payload:
        return _missing()
    try:
        result = altcha.verify_solution(payload, altcha_hmac_key())
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return _refusal("malformed")
    if result.error:
        return _refusal("malformed")
    if result.expired:
        return _refusal(
            "expired", _("La vérification anti-robot a expiré. Réessayez d'envoyer le formulaire.")
        )
    if result.invalid_signature:
        return _refusal("signature")
    if not result.verified:
        return _refusal("solution")
    # Verified: the payload is well formed and its challenge is one this server signed.
    challenge = json.loads(base64.b64decode(payload))["challenge"]
    if int(challenge["parameters"].get("cost") or 0) < min_cost:  # the cost is signed too
        return _too_easy()
    if not spend_challenge(challenge["signature"], int(challenge["parameters"]["expiresAt"])):
        return _refusal("replayed")
    return CaptchaResult(ok=True)


def spend_challenge(signature: str, expires_at: int) -> bool:
    """Record a challenge as used; False when it already was (a replay).

    The record lives in the database, shared by every worker, until the challenge expires. It is
    written in its own transaction, committed at once.
    """
    expiry = datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None)
    table = SpentCaptchaChallenge.__table__
    try:
        with db.engine.begin() as connection:
            connection.execute(table.delete().where(table.c.expires_at < utcnow()))
            connection.execute(
                table.insert().values(
                    signature=signature[:128], expires_at=expiry, spent_at=utcnow()
                )
            )
    except IntegrityError:
        return False
    return True


# --- reCAPTCHA v3 ---------------------------------------------------------------------------


def expected_hostname() -> str:
    """The hostname Google must report: ``RECAPTCHA_EXPECTED_HOSTNAME`` or the request's host."""
    configured = current_app.config.get("RECAPTCHA_EXPECTED_HOSTNAME")
    if configured:
        return configured.lower()
    return (urllib.parse.urlsplit(f"//{request.host}").hostname or "").lower()


def ask_siteverify(token: str) -> dict:
    """Post secret, token and remote address to ``RECAPTCHA_VERIFY_URL``; the decoded reply.

    Raises ``OSError`` (network, timeout, HTTP error), ``http.client.HTTPException`` (broken
    HTTP) or ``ValueError`` (not a JSON object).
    """
    config = current_app.config
    url = config["RECAPTCHA_VERIFY_URL"]
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("RECAPTCHA_VERIFY_URL doit être une adresse http(s)")
    data = urllib.parse.urlencode(
        {
            "secret": config["RECAPTCHA_SECRET_KEY"] or "",
            "response": token,
            "remoteip": request.remote_addr or "",
        }
    ).encode()
    verify_request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(  # noqa: S310 - scheme checked above  # nosec B310
        verify_request, timeout=config["RECAPTCHA_TIMEOUT_S"]
    ) as response:
        body = response.read(MAX_VERIFY_REPLY_BYTES + 1)
    if len(body) > MAX_VERIFY_REPLY_BYTES:
        raise ValueError("réponse trop longue")
    reply = json.loads(body.decode("utf-8"))
    if not isinstance(reply, dict):
        raise ValueError("la réponse n'est pas un objet JSON")
    return reply


def siteverify_problem(
    reply: dict, action: str, hostname: str, now: datetime, max_age_s: float, min_score: float
) -> str | None:
    """Why a siteverify ``reply`` is refused ("rejected", "action", ...), or None to accept it."""
    if reply.get("success") is not True:
        codes = reply.get("error-codes") or []
        codes = codes if isinstance(codes, list) else [codes]
        return "rejected" + (":" + ",".join(str(c) for c in codes)[:100] if codes else "")
    if reply.get("action") != action:
        return "action"
    if str(reply.get("hostname") or "").lower() != hostname:
        return "hostname"
    challenge_time = parse_challenge_ts(reply.get("challenge_ts"))
    if challenge_time is None:
        return "stale"
    age = (now - challenge_time).total_seconds()
    if age > max_age_s or age < -CLOCK_SKEW_S:
        return "stale"
    score = reply.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return "score"
    if score < min_score:
        return "score"
    return None


def parse_challenge_ts(value) -> datetime | None:
    """``challenge_ts`` (ISO 8601) as an aware UTC datetime, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def verify_recaptcha(token: str, action: str, hard: bool = False) -> CaptchaResult:
    """Ask Google (``RECAPTCHA_VERIFY_URL``) about ``token``; refuse when it cannot answer."""
    if not token:
        return _missing()
    try:
        reply = ask_siteverify(token)
    except (OSError, ValueError, http.client.HTTPException) as error:
        current_app.logger.warning("reCAPTCHA : vérification impossible (%s)", type(error).__name__)
        return _unavailable("unavailable")
    config = current_app.config
    problem = siteverify_problem(
        reply,
        action=action,
        hostname=expected_hostname(),
        now=datetime.now(UTC),
        max_age_s=float(config["RECAPTCHA_MAX_AGE_S"]),
        min_score=float(config["RECAPTCHA_ATTACK_MIN_SCORE" if hard else "RECAPTCHA_MIN_SCORE"]),
    )
    if problem == "stale":
        return _refusal(
            problem, _("La vérification anti-robot a expiré. Réessayez d'envoyer le formulaire.")
        )
    if problem:
        return _refusal(problem)
    return CaptchaResult(ok=True)


# --- The widget in the page -----------------------------------------------------------------


def captcha_widget(action: str | None = None, hard: bool = False) -> dict:
    """What ``_captcha.html`` shows for ``action`` (default: from the endpoint); ``hard``: the
    harder ALTCHA challenge.

    On a page that loads reCAPTCHA, the Content-Security-Policy of this response only is opened
    for Google, and the page must be loaded in full (see :func:`full_load_for_recaptcha`).
    """
    action = action or ACTIONS_BY_ENDPOINT.get(request.endpoint or "", "login")
    method = effective_method()
    widget = {
        "method": method,
        "action": action,
        "provider": provider_name(),
        "consent_url": url_for("auth.captcha_consent"),
    }
    if method == "recaptcha":
        for directive, sources in RECAPTCHA_CSP.items():
            allow_in_csp(directive, *sources)
        g.captcha_needs_full_load = True
        site_key = current_app.config["RECAPTCHA_SITE_KEY"] or ""
        widget["site_key"] = site_key
        widget["script_url"] = f"{RECAPTCHA_SCRIPT_URL}?" + urllib.parse.urlencode(
            {"render": site_key, "hl": "fr"}
        )
    elif method == "altcha":
        widget["challenge_url"] = url_for("auth.captcha_challenge", level="hard" if hard else None)
    return widget


def full_load_for_recaptcha(response):
    """Turn an htmx navigation to a reCAPTCHA page into a full load.

    A boosted swap keeps the policy of the page the visitor came from, which does not allow
    Google's script: ``HX-Redirect`` makes the browser load the page, and its own policy, anew.
    """
    if (
        g.get("captcha_needs_full_load")
        and request.method == "GET"
        and request.headers.get("HX-Request") == "true"
    ):
        response.headers["HX-Redirect"] = request.full_path.rstrip("?")
    return response
