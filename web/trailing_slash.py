"""One address per page, whether or not a trailing slash is typed.

Werkzeug already redirects ``/x`` to ``/x/`` when the rule ends with a slash; the rules of this
app end without one (``/admin``, ``/account/devices``), and for them ``/admin/`` was a 404. Such a
GET is redirected (308) to the page the same path without its trailing slash names, with its
query string; anything else keeps its 404.
"""

from __future__ import annotations

from flask import Flask, current_app, redirect, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, NotFound

SAFE_METHODS = ("GET", "HEAD")


def canonical_location() -> str | None:
    """Where a GET of an unknown path ending in "/" should go: the same path without it, or None.

    The target is built from the rule that path matches, never copied from the request, so it
    is always a page of this app.
    """
    if request.method not in SAFE_METHODS or not isinstance(request.routing_exception, NotFound):
        return None
    path = request.path.rstrip("/")
    if not path or path == request.path:
        return None
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, values = adapter.match(path, method=request.method)
    except HTTPException:  # no page there either (RequestRedirect included)
        return None
    query = MultiDict(request.args)
    for name, value in values.items():  # the rule's own arguments win over the query's
        query.setlist(name, [value])
    return adapter.build(endpoint, query, method=request.method)


def _redirect_to_canonical():
    location = canonical_location()
    return redirect(location, 308) if location else None


def init_app(app: Flask) -> None:
    """Redirect a GET of a page's address plus a trailing slash to the page."""
    app.before_request(_redirect_to_canonical)
