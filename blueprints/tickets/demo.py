"""Demo tickets for the demo clients."""

from __future__ import annotations


def add_demo_tickets(admin, clients) -> None:
    """A few tickets with their conversations for the demo clients."""
