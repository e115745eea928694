"""Routes of the CAPTCHA: the ALTCHA challenge and the answer to the reCAPTCHA notice."""

from __future__ import annotations

from flask import abort, jsonify, request

from blueprints.auth import bp
from web import captcha


@bp.get("/captcha/challenge")
def captcha_challenge():
    """A fresh ALTCHA challenge (JSON) for the widget; never cached.

    ``?level=hard``: the harder challenge asked of logins to an account under attack. Anyone may
    ask for more work; only the login decides when less is not enough.
    """
    response = jsonify(captcha.new_altcha_challenge(hard=request.args.get("level") == "hard"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/captcha/consent")
def captcha_consent():
    """Record whether the visitor accepts Google reCAPTCHA; the page then reloads itself."""
    if not captcha.remember_consent(request.form.get("choice", "")):
        abort(400)
    return "", 204


bp.after_request(captcha.full_load_for_recaptcha)
