"""Security baseline: HTTPS, trusted hosts, response headers, CSP, caching, safe redirects."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, has_request_context, redirect, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from services import activity
from services.i18n import gettext as _

BASE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# A longer target is refused: kept in the session during the second factor, it would make the
# cookie bigger than browsers accept (4 KB), and the login would silently fail.
MAX_REDIRECT_TARGET = 1024

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def allow_in_csp(directive: str, *sources: str) -> None:
    """Open the Content-Security-Policy of the current response only, e.g. for reCAPTCHA."""
    extra = g.setdefault("csp_extra", {})
    extra.setdefault(directive, []).extend(sources)


def _render_policy(policy: dict) -> str:
    return "; ".join(f"{k} {' '.join(v)}" for k, v in policy.items())


_BASE_POLICY = _render_policy(BASE_CSP)


def content_security_policy() -> str:
    """The policy for the current response: the strict base plus what this page allowed."""
    if not g.get("csp_extra"):
        return _BASE_POLICY
    policy = {k: list(v) for k, v in BASE_CSP.items()}
    for directive, sources in g.get("csp_extra", {}).items():
        current = [s for s in policy.get(directive, []) if s != "'none'"]
        policy[directive] = current + [s for s in sources if s not in current]
    return _render_policy(policy)


# Percent-decoding is repeated (a target may be encoded twice) up to this many times.
_MAX_DECODING_ROUNDS = 4


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls (tab, newline, NUL...) that browsers strip or choke on; Cf: invisible
    # format characters (zero-width, bidirectional overrides); Zl/Zp: line and paragraph breaks.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _as_a_browser_reads_it(target: str) -> str | None:
    """``target`` decoded the ways a browser or a server on the way might: percent-decoding
    (repeated), compatibility forms (a full-width solidus is a solidus), backslash as slash.
    None when a control character appears at any stage."""
    text = target
    for _round in range(_MAX_DECODING_ROUNDS):
        if any(_is_control(c) for c in text):
            return None
        decoded = unicodedata.normalize("NFKC", unquote(text)).replace("\\", "/")
        if decoded == text:
            return text
        text = decoded
    return None  # still changing: encoded more times than any honest link is


def is_safe_redirect_target(target: str | None) -> bool:
    """True only for a path of this site: exactly one leading ``/``, no scheme, no host.

    ``urljoin`` and ``urlsplit`` disagree with browsers, which strip tabs and newlines, read
    ``\\`` as ``/`` and resolve ``https:evil.example`` to another site: the target is checked
    under every reading of it, and only a plain path passes.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_REDIRECT_TARGET:
        return False
    if target != target.strip():
        return False  # browsers trim leading spaces, so " //evil" would become "//evil"
    for reading in (target, _as_a_browser_reads_it(target)):
        if reading is None or not reading.startswith("/") or reading[1:2] in ("/", "\\"):
            return False
        parts = urlsplit(reading)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """``target`` when it is a path of this site, otherwise ``fallback``."""
    return target if is_safe_redirect_target(target) else fallback


def current_path() -> str:
    """The path and query of the current request, to come back to it (``next``).

    Unlike ``request.full_path``, no lone ``?`` is added when there is no query string, and
    the application's own prefix (``SCRIPT_NAME``) is kept.
    """
    path = request.script_root + request.path
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def public_address() -> str | None:
    """The portal's public scheme and host (``MAIL_BASE_URL``), e.g. ``https://espace.fr``."""
    base = current_app.config.get("MAIL_BASE_URL")
    if not base:
        return None
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _refuse_untrusted_host():
    # Flask records a Host outside TRUSTED_HOSTS as the routing error, and builds no URL
    # adapter: answered here in plain text, before the HTTPS redirect and before any page
    # (which would need url_for) is rendered.
    if isinstance(request.routing_exception, SecurityError):
        message = _("Requête refusée : ce site ne répond pas à cette adresse.")
        return Response(message, 400, content_type="text/plain; charset=utf-8")
    return None


def https_url() -> str:
    """The current URL over HTTPS, on the configured public host when there is one.

    The visitor chooses the ``Host`` header: a redirect built from it could send them
    anywhere, so the configured address wins.
    """
    parts = urlsplit(request.url)
    address = public_address()
    netloc = parts.netloc
    if address is not None:
        configured = urlsplit(address)
        # An https address keeps its port; for an http one only the host name is kept.
        netloc = configured.netloc if configured.scheme == "https" else configured.hostname
    return parts._replace(scheme="https", netloc=netloc).geturl()


def _redirect_to_https():
    if request.is_secure:
        return None
    if request.path == "/health":
        return None  # probes from the host itself may speak plain HTTP
    return redirect(https_url(), code=308 if request.method not in ("GET", "HEAD") else 301)


def public_page(view):
    """Mark ``view`` as a public page that browsers may keep, for anonymous visitors only.

    Every other response is ``Cache-Control: no-store``: auth pages, token links, secrets
    shown once and everything a logged-in person sees must not stay in a cache.
    """
    view.public_page = True
    return view


def may_be_stored() -> bool:
    """True when the current response may be kept by the browser: a public page seen by
    someone who is not logged in."""
    if g.get("no_store"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "public_page", False):
        return False
    return not current_user.is_authenticated


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not (current_app.debug or current_app.testing) or current_app.config.get("FORCE_HSTS"):
        headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={current_app.config['HSTS_MAX_AGE']}; includeSubDomains",
        )
    # Static files are public: checking them would load the account for every stylesheet.
    # A response that already says no-store keeps its wording ("private, no-store" of a file).
    if request.endpoint != "static" and not may_be_stored():
        if "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def request_origin() -> tuple[str | None, str]:
    """The visitor's address (after the proxy fix) and user agent, for the activity log."""
    if not has_request_context():
        return None, ""
    return request.remote_addr, request.headers.get("User-Agent", "")


def init_app(app: Flask) -> None:
    """Install the proxy fix, the host check, the HTTPS redirect and the response headers."""
    app.extensions[activity.ORIGIN] = request_origin
    config = app.config
    if config["PROXY_FIX_X_FOR"] or config["PROXY_FIX_X_PROTO"] or config["PROXY_FIX_X_HOST"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=config["PROXY_FIX_X_FOR"],
            x_proto=config["PROXY_FIX_X_PROTO"],
            x_host=config["PROXY_FIX_X_HOST"],
        )
    app.before_request(_refuse_untrusted_host)
    if config["FORCE_HTTPS"]:
        app.before_request(_redirect_to_https)
    app.after_request(_set_headers)
    app.jinja_env.globals["current_path"] = current_path
