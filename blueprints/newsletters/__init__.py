"""Newsletters: admins write one, preview it, test it on themselves, then send it to the clients
who consent, in batches through the outbox (``services.newsletters``).

Its pages are under /admin/newsletters; its command ``flask --app app newsletters send`` runs the
batches (cron, every few minutes, before ``mail send``). Consent itself (subscribe, confirm,
unsubscribe) is in the gdpr area.
"""

from flask import Blueprint

bp = Blueprint("newsletters", __name__, cli_group="newsletters")

from blueprints.newsletters import commands, routes  # noqa: E402,F401
