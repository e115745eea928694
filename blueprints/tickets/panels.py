"""Panels of the tickets area on the client dashboard, the admin home and the admin client page."""

from __future__ import annotations

from flask import Flask


def register_panels(app: Flask) -> None:
    """Register the area's panels on ``app``."""
