"""The sections of the client space and the navigation menu, by role.

``SECTIONS`` is the one list of what a client follows in the portal. The menu and the texts
that say what the portal offers (home page, invitation mail, dashboard) read it, and show a
section only once its route exists: no text promises a page that is not there. An area that
lands gives its section the client endpoint it really has and its phrase.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list
from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from services.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Section:
    """An area of the client space, as the menu and the texts name it."""

    name: str
    endpoint: str  # the client's page of the area; the section exists when this route does
    # How texts name the area, lower-case, French and English (tests/app/test_sections.py looks
    # for them in every page and mail while the route is missing).
    words: tuple[str, ...]
    menu_label: object = None  # lazy string; None: not in the client's menu
    admin_endpoint: str | None = None
    admin_label: object = None
    phrase: object = None  # "vos interventions", listed by the texts; None: not yet written
    title: object = None  # the home page's card: title and what the client does there
    summary: object = None


SECTIONS = [
    Section(
        "interventions",
        "interventions.account_interventions",
        words=("intervention",),
        menu_label=_l("Interventions"),
        admin_endpoint="interventions.admin_interventions",
        admin_label=_l("Interventions"),
        phrase=_l("vos interventions"),
        title=_l("Interventions"),
        summary=_l(
            "Retrouvez chaque intervention, passée ou à venir : sa date, son statut, les "
            "équipements concernés et son compte rendu."
        ),
    ),
    Section(
        "devices",
        "devices.account_devices",
        words=("équipement", "device"),
        menu_label=_l("Mes équipements"),
        phrase=_l("vos équipements"),
        title=_l("Équipements"),
        summary=_l(
            "Retrouvez vos périphériques, leurs numéros de série et vos licences logicielles, "
            "protégés par chiffrement."
        ),
    ),
    Section(
        "tickets",
        "tickets.account_tickets",
        words=("ticket", "demande d'assistance", "demandes d'assistance", "support request"),
        menu_label=_l("Mes tickets"),
        admin_endpoint="tickets.admin_queue",
        admin_label=_l("Tickets"),
        phrase=_l("vos demandes d'assistance"),
        title=_l("Tickets"),
        summary=_l(
            "Signalez une panne ou posez une question : suivez la réponse de nos techniciens, "
            "échangez avec eux et joignez vos fichiers."
        ),
    ),
    Section(
        "contracts",
        "contracts.account_contracts",
        words=("contrat", "contract", "abonnement", "subscription"),
        menu_label=_l("Mes contrats"),
        admin_endpoint="contracts.admin_contracts",
        admin_label=_l("Contrats"),
        phrase=_l("vos contrats"),
        title=_l("Contrats"),
        summary=_l(
            "Suivez vos contrats et abonnements, leurs échéances et leurs renouvellements, "
            "et demandez à ne pas les reconduire."
        ),
    ),
    Section(
        "invoices",
        "invoices.account_invoices",
        words=("facture", "invoice", "paiement", "payment"),
        menu_label=_l("Mes factures"),
        admin_endpoint="invoices.admin_invoices",
        admin_label=_l("Factures"),
        phrase=_l("vos factures"),
        title=_l("Factures"),
        summary=_l(
            "Consultez vos factures et leur statut, téléchargez-les en PDF (Factur-X) ou "
            "toutes ensemble, et suivez vos paiements."
        ),
    ),
]


def section_exists(section: Section) -> bool:
    """True when the section's client page is a route of this application."""
    return section.endpoint in current_app.view_functions


def route_exists(endpoint: str) -> bool:
    """True when ``endpoint`` is a route of this application (a link to it may be shown)."""
    return endpoint in current_app.view_functions


def offered_sections() -> list[Section]:
    """The sections whose page exists and that the texts may name, in order."""
    return [s for s in SECTIONS if s.phrase is not None and section_exists(s)]


def offered_sections_text(*extra) -> str:
    """The offered sections as one phrase of the current language ("vos interventions et ...").

    ``extra`` phrases are listed after them (e.g. "vos données personnelles").
    """
    phrases = [str(s.phrase) for s in offered_sections()] + [str(e) for e in extra]
    return format_list(phrases, locale=str(get_locale() or "fr"))


def _section_entries(audience: str) -> list[tuple[str, object, str]]:
    if audience == "admin":
        return [(s.admin_endpoint, s.admin_label, "admin") for s in SECTIONS if s.admin_endpoint]
    return [(s.endpoint, s.menu_label, "client") for s in SECTIONS if s.menu_label]


# (endpoint, label, audience) where audience is "anonymous", "client" or "admin".
MENU = [
    ("public.home", _l("Accueil"), "anonymous"),
    ("auth.login", _l("Se connecter"), "anonymous"),
    ("auth.register", _l("Créer un compte"), "anonymous"),
    ("account.dashboard", _l("Tableau de bord"), "client"),
    ("account.profile", _l("Mon profil"), "client"),
    *_section_entries("client"),
    ("gdpr.account_privacy", _l("Mes données"), "client"),
    ("auth.security", _l("Sécurité"), "client"),
    ("admin.home", _l("Administration"), "admin"),
    ("admin.clients", _l("Clients"), "admin"),
    *_section_entries("admin"),
    ("admin.users", _l("Comptes"), "admin"),
    ("admin.activity", _l("Journal d'activité"), "admin"),
    ("gdpr.admin_requests", _l("Demandes RGPD"), "admin"),
    ("newsletters.admin_newsletters", _l("Lettres d'information"), "admin"),
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
    app.context_processor(
        lambda: {
            "menu_items": menu_items,
            "offered_sections": offered_sections,
            "offered_sections_text": offered_sections_text,
            "route_exists": route_exists,
        }
    )
