"""The pages ``make bench`` loads. Each area adds its own pages here.

``role`` says who asks for the page: ``"anonymous"``, ``"client"`` (the first demo client) or
``"admin"`` (the demo admin, second factor passed). ``status`` is the answer the page must give;
the benchmark checks it before loading, so a redirect to the login page is never measured by
mistake.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    role: str = "anonymous"
    status: int = 200


PAGES = [
    Page("login", "/auth/login"),
    Page("health", "/health"),
    Page("client dashboard", "/account", role="client"),
    Page("client ticket list", "/tickets", role="client"),
    Page("client closed tickets", "/tickets?state=closed", role="client"),
    Page("new ticket form", "/tickets/new", role="client"),
    # The demo's first ticket is the first demo client's (bench/data.py loads the demo first).
    Page("client ticket", "/tickets/1", role="client"),
    Page("admin ticket queue", "/admin/tickets", role="admin"),
    Page("admin ticket queue, waiting longest", "/admin/tickets?sort=waiting", role="admin"),
    Page("admin ticket", "/admin/tickets/1", role="admin"),
    Page("client invoices", "/invoices", role="client"),
    Page("admin invoices", "/admin/invoices", role="admin"),
]
