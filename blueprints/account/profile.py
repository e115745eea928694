"""The client's profile, edited in place one section at a time; its history of changes."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from blueprints.account import bp
from services.profile import (
    missing_by_section,
    profile_history,
    section_or_404,
    sections_for,
)
from web.access import client_required
from web.forms import record_id
from web.htmx import render_page_or_fragment
from web.profile_editor import SectionLinks, section_editor, section_view

LINKS = SectionLinks("account.profile", "account.show_section", "account.edit_section")


def profile_panel(client, **_context):
    """The dashboard asks, politely, for the required data still missing."""
    missing = missing_by_section(client)
    return {"missing": missing} if missing else None


@bp.get("/profile")
@client_required
def profile():
    """The client's profile: every section, each editable in place, and its history."""
    client = current_user.client
    history, next_before = profile_history(client)
    return render_template(
        "account/profile.html",
        client=client,
        sections=sections_for(client),
        links=LINKS,
        history=history,
        next_before=next_before,
    )


@bp.get("/profile/history")
@client_required
def profile_history_page():
    """The history of changes to the profile, one page at a time (page or fragment)."""
    client = current_user.client
    history, next_before = profile_history(
        client, before=request.args.get("before", type=record_id)
    )
    return render_page_or_fragment(
        "account/profile_history.html",
        "account/_profile_history.html",
        client=client,
        history=history,
        next_before=next_before,
        paged=request.args.get("before") is not None,
    )


@bp.get("/profile/<name>")
@client_required
def show_section(name: str):
    """One section as read (the fragment an edit is cancelled to)."""
    client = current_user.client
    return section_view(client, section_or_404(name, client), LINKS)


@bp.route("/profile/<name>/edit", methods=["GET", "POST"])
@client_required
def edit_section(name: str):
    """Edit one section: the form (fragment or page); on save the section as read, or 422."""
    client = current_user.client
    section = section_or_404(name, client)
    return section_editor(client, section, LINKS, "account/profile_edit.html")
