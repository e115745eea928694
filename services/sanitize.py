"""HTML from people (intervention reports, messages) cut down to a safe allow-list."""

from __future__ import annotations

import html

import bleach

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "code", "pre", "h3", "h4"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def sanitize_html(value: str | None) -> str | None:
    """``value`` with every tag, attribute and link scheme outside the allow-list removed.

    Text stays text (``<`` becomes ``&lt;``); disallowed tags are stripped, their content kept.
    Links open no window and carry ``rel="nofollow noopener noreferrer"``.
    """
    if value is None:
        return None
    cleaned = bleach.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return bleach.linkify(cleaned, callbacks=[_nofollow], skip_tags={"pre", "code"}).strip()


def _nofollow(attrs, new=False):
    if (None, "href") in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


def visible_text(value: str | None) -> str:
    """What a reader sees of cleaned HTML ``value``: its text without tags, trimmed.

    Empty for markup that shows nothing (``<p></p>``, an image removed by the cleaning).
    """
    if not value:
        return ""
    return html.unescape(bleach.clean(value, tags=set(), strip=True)).strip()
