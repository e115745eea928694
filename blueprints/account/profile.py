"""The client's profile, edited in place one section at a time; its history of changes."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.account import bp
from models import db
from services import client_fields
from services.access import client_required
from services.dashboard import register_panel
from services.htmx import htmx_redirect, is_fragment_request, render_page_or_fragment
from services.profile import (
    missing_by_section,
    profile_history,
    save_section,
    section_or_404,
    sections_for,
)


@bp.app_template_filter("phone")
def _phone_filter(value):
    """A stored phone number in its display format."""
    return client_fields.format_phone(value)


def _profile_panel(client, **_context):
    """The dashboard asks, politely, for the required data still missing."""
    missing = missing_by_section(client)
    return {"missing": missing} if missing else None


register_panel("client", "profile", "account/_panel_profile.html", _profile_panel, order=10)


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
        history=history,
        next_before=next_before,
    )


@bp.get("/profile/history")
@client_required
def profile_history_page():
    """The history of changes to the profile, one page at a time (page or fragment)."""
    client = current_user.client
    history, next_before = profile_history(client, before=request.args.get("before", type=int))
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
    section = section_or_404(name, client)
    if not is_fragment_request():
        return redirect(url_for(".profile", _anchor=f"profile-{section.name}"))
    return render_template(
        "account/_profile_section.html", client=client, section=section, editable=True
    )


@bp.route("/profile/<name>/edit", methods=["GET", "POST"])
@client_required
def edit_section(name: str):
    """Edit one section: the form (fragment or page); on save the section as read, or 422."""
    client = current_user.client
    section = section_or_404(name, client)
    posted = request.method == "POST"
    form = section.form(client, formdata=request.form if posted else None)
    status = 200
    if posted:
        if form.validate():
            changed = save_section(client, section, form)
            db.session.commit()
            return _saved(client, section, changed)
        status = 422
    return render_page_or_fragment(
        "account/profile_edit.html",
        "account/_profile_section.html",
        status=status,
        client=client,
        section=section,
        form=form,
        editing=True,
        editable=True,
    )


def _saved(client, section, changed):
    """After a save: the section as read for htmx, the profile page otherwise."""
    if "category" in changed:  # the company section appears or goes: reload the whole page
        flash(_("Modifications enregistrées."), "success")
        return htmx_redirect(url_for(".profile"))
    if not is_fragment_request():
        flash(_("Modifications enregistrées."), "success")
        return redirect(url_for(".profile", _anchor=f"profile-{section.name}"), code=303)
    response = make_response(
        render_template(
            "account/_profile_section.html",
            client=client,
            section=section,
            editable=True,
            saved=True,
        )
    )
    if changed:
        response.headers["HX-Trigger"] = "profile-changed"
    return response
