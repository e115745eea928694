"""The navigation menu, by role. An area's entry appears once its route exists."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, audience) where audience is "anonymous", "client" or "admin".
MENU = [
    ("public.home", _l("Accueil"), "anonymous"),
    ("auth.login", _l("Se connecter"), "anonymous"),
    ("auth.register", _l("Créer un compte"), "anonymous"),
    ("account.dashboard", _l("Tableau de bord"), "client"),
    ("account.profile", _l("Mon profil"), "client"),
    ("devices.account_devices", _l("Mes équipements"), "client"),
    ("interventions.account_interventions", _l("Interventions"), "client"),
    ("auth.security", _l("Sécurité"), "client"),
    ("admin.home", _l("Administration"), "admin"),
    ("admin.clients", _l("Clients"), "admin"),
    ("interventions.admin_interventions", _l("Interventions"), "admin"),
    ("admin.users", _l("Comptes"), "admin"),
    ("admin.activity", _l("Journal d'activité"), "admin"),
    ("auth.security", _l("Sécurité"), "admin"),
]


def audience() -> str:
    if not current_user.is_authenticated:
        return "anonymous"
    return "admin" if current_user.is_admin else "client"


def menu_items() -> list[dict]:
    """The entries of the menu for the current visitor, with the current one marked."""
    who = audience()
    items = []
    for endpoint, label, for_whom in MENU:
        if for_whom != who or endpoint not in current_app.view_functions:
            continue
        items.append(
            {"url": url_for(endpoint), "label": label, "current": request.endpoint == endpoint}
        )
    return items


def init_app(app) -> None:
    app.context_processor(lambda: {"menu_items": menu_items})
