"""Routes of the public area."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from blueprints.public import bp
from models import db
from services.processing_register import register_facts
from web.cookies import cookies_of
from web.security import public_page, safe_redirect_target


@bp.get("/")
@public_page
def home():
    """Home: what the client space offers, with the way in."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.home" if current_user.is_admin else "account.dashboard"))
    return render_template("public/home.html")


@bp.get("/confidentialite")
@public_page
def privacy():
    """The privacy notice: what the client space collects, why, for how long, and your rights.

    Made from the processing register and the configuration (services.processing_register), so
    that it says what the software does."""
    return render_template(
        "public/privacy.html",
        company=_company(),
        cookies=cookies_of(current_app.config),
        register=register_facts(current_app.config),
    )


@bp.get("/mentions-legales")
@public_page
def legal():
    """The legal notice: publisher and host of the site."""
    return render_template("public/legal.html", company=_company())


@bp.post("/langue")
def set_language():
    """Choose the interface language; stored on the account when logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_redirect_target(request.form.get("next"), url_for("public.home")), 303)


@bp.get("/health")
def health():
    """200 when the database answers, 503 otherwise; nothing else is revealed."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure of the database means "not healthy"
        db.session.rollback()
        return "unavailable", 503, {"Content-Type": "text/plain", "Cache-Control": "no-store"}
    return "ok", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}


# The portal is private: nothing in it is meant for search engines.
ROBOTS_TXT = "User-agent: *\nDisallow: /\n"
ONE_DAY_S = 86400


@bp.get("/robots.txt")
def robots():
    """Keep the whole portal out of search engines."""
    headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": f"max-age={ONE_DAY_S}"}
    return ROBOTS_TXT, 200, headers


@bp.get("/favicon.ico")
def favicon():
    """The icon of ``static/favicon.svg`` for browsers and tools that ask for /favicon.ico."""
    # 2 KB read whole: no open file left to the server to close.
    icon = (Path(current_app.static_folder) / "favicon.ico").read_bytes()
    headers = {"Content-Type": "image/x-icon", "Cache-Control": f"public, max-age={ONE_DAY_S}"}
    return icon, 200, headers


def _company() -> dict:
    config = current_app.config
    return {
        "name": config["COMPANY_NAME"],
        "manager": config["COMPANY_MANAGER"],
        "address": config["COMPANY_ADDRESS"],
        "website": config["COMPANY_WEBSITE"],
        "email": config["COMPANY_EMAIL"],
        "host": config["COMPANY_HOST"],
    }
