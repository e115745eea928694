"""Panels of the client dashboard and of the admin home: each area plugs its own in.

An area registers a panel on the app with :func:`register_panel` (from its blueprint's
``record_once``, so that each app built in a process holds its own panels); the page renders
every panel of the current app in order without knowing the areas. ``loader`` returns the
template context of the panel, or None to hide it; it must run a fixed number of queries.
Audiences and what their loaders receive:

- ``"client"``: the client dashboard ``/account``; ``client=`` the current client;
- ``"admin"``: the admin home ``/admin``; ``admin=`` the current admin;
- ``"admin_client"``: an admin's page of one client; ``client=`` that client, ``admin=``.

The panel template receives ``panel`` and ``data`` (what the loader returned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from jinja2 import pass_context
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    loader: Callable[..., dict | None]
    order: int = 100


AUDIENCES = ("client", "admin", "admin_client")
EXTENSION = "dashboard_panels"  # app.extensions[EXTENSION][audience][name] = Panel


def register_panel(
    app: Flask, audience: str, name: str, template: str, loader, order: int = 100
) -> None:
    """Add (or replace) the panel ``name`` on ``app``'s ``audience`` page (one of AUDIENCES)."""
    if audience not in AUDIENCES:
        raise ValueError(f"Unknown dashboard audience {audience!r}: one of {AUDIENCES}")
    panels = app.extensions.setdefault(EXTENSION, {each: {} for each in AUDIENCES})
    panels[audience][name] = Panel(name, template, loader, order)


def panels_for(audience: str, **context) -> list[tuple[Panel, dict]]:
    """The panels of the current app to show, in order, each with what its loader returned."""
    registered = current_app.extensions.get(EXTENSION, {}).get(audience, {})
    shown = []
    for panel in sorted(registered.values(), key=lambda p: (p.order, p.name)):
        data = panel.loader(**context)
        if data is not None:
            shown.append((panel, data))
    return shown


@pass_context
def render_panel(context, panel: Panel, data: dict):
    """The HTML of one panel: its template gets ``panel``, ``data`` and each key of ``data``.

    Rendered with the page's context (what the view passed, the request, the current user, the
    context processors' values) rather than through ``render_template``, which would run every
    context processor again for each panel.
    """
    template = context.environment.get_template(panel.template)
    variables = {**context.parent, "panel": panel, "data": data, **data}
    return Markup(template.render(variables))  # noqa: S704  # nosec


def init_app(app) -> None:
    app.jinja_env.globals["render_panel"] = render_panel
