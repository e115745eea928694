"""Attachments of tickets (the file checks and the store come with the attachments work)."""

from __future__ import annotations


def attachment_problems(files, client_id: int) -> list[str]:
    """Why ``files`` cannot be attached for ``client_id``: none are accepted yet."""
    return ["Les pièces jointes ne sont pas encore acceptées."] if files else []


def store_attachments(ticket, message, files, *, uploaded_by) -> list:
    """Keep ``files`` with ``message`` of ``ticket``; nothing to keep yet."""
    return []
