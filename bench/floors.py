"""The floors every page pays, as pages of the benchmark's own copy of the app.

Three routes that the benchmark adds to the app it serves and measures (``bench/wsgi.py``,
``bench/run.py``, ``bench/inprocess.py``), never to the product: an anonymous route answering
"ok" (every request's hooks: proxy fix, HTTPS, trusted host, rate limiter, CSRF, session,
security headers), the same for a signed-in client (session lifetime, loading the account), and
a signed-in page that renders only the layout (``base.html``: menu, the header's and footer's
forms and their CSRF token). No page of the client space can cost less than the last one.
"""

from __future__ import annotations

from bench.pages import Page

FLOORS = [
    Page("floor: anonymous route", "/_bench/anonymous"),
    Page("floor: signed-in route", "/_bench/signed-in", role="client"),
    Page("floor: signed-in layout", "/_bench/layout", role="client"),
]


def add_floor_routes(app) -> None:
    """The floors' routes, on the benchmark's app, before its first request."""
    from flask import render_template

    from web.access import client_required

    def anonymous():
        return "ok"

    @client_required
    def signed_in():
        return "ok"

    @client_required
    def layout():
        return render_template("base.html")

    app.add_url_rule("/_bench/anonymous", "bench_anonymous", anonymous)
    app.add_url_rule("/_bench/signed-in", "bench_signed_in", signed_in)
    app.add_url_rule("/_bench/layout", "bench_layout", layout)
