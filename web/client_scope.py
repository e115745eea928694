"""Whose data a view works on: the logged-in client's own, or one client's for an admin.

An area whose client pages have admin twins registers each view once with
:func:`client_twin_routes`: ``account_<view>`` on the client's URL (``client_required``) and
``admin_<view>`` on the admin's URL, which names the client (``admin_required``, the look
logged). The view receives a :class:`ClientScope` and scopes every query to its client.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Blueprint
from flask_login import current_user

from models import db
from models.client import Client
from web.access import admin_required, client_required, log_admin_view


@dataclass(frozen=True)
class ClientScope:
    client: Client
    client_id: int
    by_admin: bool

    @property
    def detail(self) -> dict | None:
        """What an activity entry adds: an admin's act names the client."""
        return {"client": self.client_id} if self.by_admin else None


def own_scope() -> ClientScope:
    """The logged-in client's own data."""
    client = current_user.client
    return ClientScope(client=client, client_id=client.id, by_admin=False)


def admin_scope(client_id: int, section: str) -> ClientScope:
    """An admin's view of one client's ``section`` (a 404 for no such client), logged."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client_id, section)
    return ClientScope(client=client, client_id=client_id, by_admin=True)


def client_twin_routes(bp: Blueprint, *, client: str, admin: str, section: str, **options):
    """Register ``view(scope, ...)`` as ``account_<view>`` on ``client`` and
    ``admin_<view>`` on ``admin`` (whose rule has ``<int:client_id>``)."""

    def register(view):
        @wraps(view)
        def for_the_client(**ids):
            return view(own_scope(), **ids)

        @wraps(view)
        def for_an_admin(client_id: int, **ids):
            return view(admin_scope(client_id, section), **ids)

        name = view.__name__
        bp.add_url_rule(client, f"account_{name}", client_required(for_the_client), **options)
        bp.add_url_rule(admin, f"admin_{name}", admin_required(for_an_admin), **options)
        return view

    return register
