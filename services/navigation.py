"""The navigation menu, by role. An area's entry appears once its route exists."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
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


MENU_CACHE_SIZE = 1000


def audience() -> str:
    if not current_user.is_authenticated:
        return "anonymous"
    return "admin" if current_user.is_admin else "client"


def menu_items() -> list[dict]:
    """The entries of the menu for the current visitor, with the current one marked.

    Built once per process for each (audience, language, current page, root of the URLs): the
    menu depends on nothing else, and every page shows it.
    """
    who = audience()
    key = (who, str(get_locale()), request.endpoint, request.script_root)
    cache = current_app.extensions.setdefault("espace_client_menu", {})
    items = cache.get(key)
    if items is None:
        if len(cache) >= MENU_CACHE_SIZE:  # bounded whatever the server is sent
            cache.clear()
        items = cache[key] = [
            {"url": url_for(endpoint), "label": str(label), "current": request.endpoint == endpoint}
            for endpoint, label, for_whom in MENU
            if for_whom == who and endpoint in current_app.view_functions
        ]
    # A copy: a template that changes its list must not change the next page's menu.
    return [dict(item) for item in items]


def init_app(app) -> None:
    app.context_processor(lambda: {"menu_items": menu_items})
