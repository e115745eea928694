"""The admin's client search: by words of the name, e-mail, company, phone or SIREN/SIRET.

Every word typed must start a word the client is indexed under (``models.client_search_index``).
Other areas extend the search with :func:`register_search_extension` on the app that registers
their blueprint (serial numbers, for instance): each function receives the raw query and returns
a ``SELECT`` of client ids that match, or None; a client matching any of them is found too. Results come in pages ordered by name, with
keyset pagination (``after`` = the last client id of the previous page).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import contains_eager

from models import db
from models.client import Client
from models.client_search_index import ClientSearchTerm, fold, words

SearchExtension = Callable[[str], sa.Select | None]
EXTENSION = "client_search_extensions"  # app.extensions[EXTENSION]: list of SearchExtension

MAX_QUERY_LENGTH = 100
MAX_WORDS = 6
_PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]+")


def register_search_extension(app: Flask, extension: SearchExtension) -> None:
    """Let ``app``'s client search also find the clients ``extension`` returns (once)."""
    extensions = app.extensions.setdefault(EXTENSION, [])
    if extension not in extensions:
        extensions.append(extension)


def query_terms(text: str) -> list[str]:
    """The prefixes to look up for what the admin typed.

    An address (with "@") is one prefix of the whole address; digits with the separators of a
    phone number are one run of digits (an international "+33" or "0033" becomes "33"); anything
    else is split into words.
    """
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    if not text:
        return []
    if "@" in text:
        return [fold(text)]
    if _PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 2:
        digits = re.sub(r"\D", "", text)
        if not text.startswith("+") and digits.startswith("00"):
            digits = digits[2:]
        return [digits] if digits else []
    return words(text)[:MAX_WORDS]


def _starts_with(column, prefix: str):
    """``column`` starts with ``prefix``, written as a range so that the index serves it."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa.and_(column >= prefix, column < upper)


def matching_client_ids(text: str) -> sa.Select | None:
    """A SELECT of the ids of the clients the query ``text`` finds, or None for none.

    One set of ids, not an OR of conditions on the client table: MariaDB turns each ``IN``
    into a semi-join only when they are not OR-ed; OR-ed, it walks every client in name order
    (200 ms at 100,000 clients for a query that finds one).
    """
    parts = []
    terms = query_terms(text)
    if terms:
        per_term = [
            sa.select(ClientSearchTerm.client_id).where(_starts_with(ClientSearchTerm.term, term))
            for term in terms
        ]
        if len(per_term) == 1:
            parts.append(per_term[0])
        else:
            # A subquery of its own: SQLite refuses a parenthesised INTERSECT inside a UNION.
            both = sa.intersect(*per_term).subquery()
            parts.append(sa.select(both.c.client_id))
    for extension in current_app.extensions.get(EXTENSION, ()):
        ids = extension(text)
        if ids is not None:
            parts.append(ids)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sa.union(*parts)


def matching_clients(text: str):
    """A condition on ``Client.id``: the clients the query ``text`` finds."""
    ids = matching_client_ids(text)
    return Client.id.in_(ids) if ids is not None else sa.false()


def search_clients(text: str = "", after: int | None = None, limit: int = 25):
    """One page of clients matching ``text`` (all when empty), by name; and the next ``after``."""
    query = (
        sa.select(Client)
        .outerjoin(Client.user)
        .options(contains_eager(Client.user))
        .order_by(Client.sort_key, Client.id)
        .limit(limit + 1)
    )
    if (text or "").strip():
        ids = matching_client_ids(text)
        if ids is None:
            return [], None
        found = ids.subquery()
        query = query.join(found, found.c[0] == Client.id)
    if after is not None:
        key = db.session.scalar(sa.select(Client.sort_key).where(Client.id == after))
        if key is not None:
            query = query.where(
                sa.or_(Client.sort_key > key, sa.and_(Client.sort_key == key, Client.id > after))
            )
    rows = db.session.scalars(query).unique().all()
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


__all__ = [
    "matching_client_ids",
    "matching_clients",
    "query_terms",
    "register_search_extension",
    "search_clients",
]
