"""Panels of the client dashboard and of the admin home: each area plugs its own in.

An area registers a panel with :func:`register_panel`; the page renders every registered panel in
order without knowing the areas. ``loader`` returns the template context of the panel, or None to
hide it; it must run a fixed number of queries. Audiences and what their loaders receive:

- ``"client"``: the client dashboard ``/account``; ``client=`` the current client;
- ``"admin"``: the admin home ``/admin``; ``admin=`` the current admin;
- ``"admin_client"``: an admin's page of one client; ``client=`` that client, ``admin=``.

The panel template receives ``panel`` and ``data`` (what the loader returned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import pass_context
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    loader: Callable[..., dict | None]
    order: int = 100


_PANELS: dict[str, dict[str, Panel]] = {"client": {}, "admin": {}, "admin_client": {}}


def register_panel(audience: str, name: str, template: str, loader, order: int = 100) -> None:
    """Add (or replace) the panel ``name`` on the ``audience`` page ("client", "admin", "admin_client")."""
    _PANELS[audience][name] = Panel(name, template, loader, order)


def panels_for(audience: str, **context) -> list[tuple[Panel, dict]]:
    """The panels to show, in order, each with the context its loader returned."""
    shown = []
    for panel in sorted(_PANELS[audience].values(), key=lambda p: (p.order, p.name)):
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
    return Markup(template.render(variables))  # noqa: S704


def init_app(app) -> None:
    app.jinja_env.globals["render_panel"] = render_panel
