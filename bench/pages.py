"""The pages ``make bench`` loads. Each area adds its own pages here.

``role`` says who asks for the page: ``"anonymous"``, ``"client"`` (the first demo client) or
``"admin"`` (the demo admin, second factor passed). ``status`` is the answer the page must give;
the benchmark checks it before loading, so a redirect to the login page is never measured by
mistake. ``url`` may name ``{client}``, the first demo client's id. A ``form`` page is sent as
a POST with the CSRF token read from ``form_page``, as htmx sends it when ``htmx`` is true.
``target`` names the group of the throughput target (``client`` or ``admin``), if any.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    role: str = "anonymous"
    status: int = 200
    form: dict = field(default_factory=dict)
    form_page: str = ""
    htmx: bool = False
    target: str = ""

    @property
    def method(self) -> str:
        return "POST" if self.form else "GET"


# The same reply sent again: the idempotency key makes it one message, and the answer is the
# conversation fragment with a fresh form, as after any reply.
REPLY = {"body": "Merci, c'est réparé.", "idempotency_key": "bench-reponse-1"}

PAGES = [
    Page("health", "/health"),
    Page("login", "/auth/login"),
    Page("client dashboard", "/account", role="client", target="client"),
    Page("client ticket list", "/tickets", role="client", target="client"),
    # The demo's first ticket is the first demo client's (bench/data.py loads the demo first).
    Page("client ticket", "/tickets/1", role="client", target="client"),
    Page(
        "client reply (htmx fragment)",
        "/tickets/1/reply",
        role="client",
        form=REPLY,
        form_page="/tickets/1",
        htmx=True,
        target="client",
    ),
    Page("client invoices", "/invoices", role="client", target="client"),
    Page("privacy page", "/confidentialite", role="client", target="client"),
    Page("admin home", "/admin", role="admin", target="admin"),
    Page("admin ticket queue", "/admin/tickets", role="admin", target="admin"),
    Page("admin client search", "/admin/clients?q=mar", role="admin", target="admin"),
    Page("admin client", "/admin/clients/{client}", role="admin", target="admin"),
    Page("admin invoices", "/admin/invoices", role="admin"),
]
