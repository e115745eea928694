"""htmx helpers: decide between a full page and a fragment, answer redirects the htmx way."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request


def is_htmx_request() -> bool:
    """True for any request made by htmx (boosted or not)."""
    return request.headers.get("HX-Request") == "true"


def is_fragment_request() -> bool:
    """True when htmx asks for a fragment: not a boosted navigation, not a history restore."""
    return (
        is_htmx_request()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Render ``page`` for a full load, ``fragment`` for an htmx fragment request.

    The same URL answers both, so the response varies on ``HX-Request``.
    """
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def htmx_redirect(location: str):
    """Redirect after a successful POST: ``HX-Redirect`` for htmx, 303 otherwise."""
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
