"""Security baseline: HTTPS, response headers, Content-Security-Policy, safe redirects."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import Flask, current_app, g, redirect, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

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


def is_safe_redirect_target(target: str | None) -> bool:
    """True when ``target`` stays on this site (same scheme and host, no protocol tricks)."""
    if not target or len(target) > MAX_REDIRECT_TARGET:
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    host_url = urlsplit(request.host_url)
    url = urlsplit(urljoin(request.host_url, target))
    return url.scheme in ("http", "https") and url.netloc == host_url.netloc


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """``target`` when it stays on this site, otherwise ``fallback``."""
    return target if is_safe_redirect_target(target) else fallback


def _redirect_to_https():
    if request.is_secure or not request.host:
        return None
    if request.path == "/health":
        return None  # probes from the host itself may speak plain HTTP
    url = request.url.replace("http://", "https://", 1)
    return redirect(url, code=308 if request.method not in ("GET", "HEAD") else 301)


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
    is_static = request.endpoint == "static"
    if not is_static and (g.get("no_store") or current_user.is_authenticated):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Install the proxy fix, the HTTPS redirect and the response headers."""
    config = app.config
    if config["PROXY_FIX_X_FOR"] or config["PROXY_FIX_X_PROTO"] or config["PROXY_FIX_X_HOST"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=config["PROXY_FIX_X_FOR"],
            x_proto=config["PROXY_FIX_X_PROTO"],
            x_host=config["PROXY_FIX_X_HOST"],
        )
    if config["FORCE_HTTPS"]:
        app.before_request(_redirect_to_https)
    app.after_request(_set_headers)
