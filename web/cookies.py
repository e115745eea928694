"""The cookies the portal sets, described once: the privacy page lists them from here, and a
test fails when a page sets a cookie this list does not name.

Only one, strictly necessary (the session: login, CSRF protection, language chosen), so no
consent banner is needed (CNIL, délibération 2020-091).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class CookieInfo:
    name: str
    purpose: str
    lifetime: str


def cookies_of(config) -> list[CookieInfo]:
    """Every cookie the app may set, with its purpose and lifetime, in the reader's language."""
    hours = int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 3600)
    return [
        CookieInfo(
            config["SESSION_COOKIE_NAME"],
            str(
                _l(
                    "Session : vous garde connecté, protège les formulaires contre la "
                    "falsification de requêtes, retient la langue choisie."
                )
            ),
            str(
                _l(
                    "Jusqu'à la fermeture du navigateur ; une connexion dure au plus %(hours)d "
                    "heures, et se ferme plus tôt après une période d'inactivité.",
                    hours=hours,
                )
            ),
        )
    ]
