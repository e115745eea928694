"""The admin's clients: live search, a client's page, a client created on their behalf."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.admin import bp
from blueprints.admin.forms import NewClientForm
from models import db
from models.client import Client
from models.user import User
from services.client_search import search_clients
from services.i18n import gettext as _
from services.invitations import create_client_on_behalf, send_invitation
from services.profile import section_or_404, sections_for
from web.access import admin_required, log_admin_view
from web.dashboard import panels_for
from web.forms import record_id, render_form
from web.htmx import htmx_redirect, render_page_or_fragment
from web.profile_editor import SectionLinks, section_editor, section_view


def clients_panel(**_context):
    """Admin home: how many clients, and how many have not yet accepted their invitation."""
    total, pending = db.session.execute(
        sa.select(
            sa.func.count(Client.id),
            sa.func.count(sa.case((User.password_hash.is_(None), 1))),
        ).outerjoin(Client.user)
    ).one()
    return {"total": total, "pending": pending}


@bp.get("/clients")
@admin_required
def clients():
    """The clients, by name, with live search and keyset pagination (page or fragment)."""
    query = request.args.get("q", "").strip()
    after = request.args.get("after", type=record_id)
    rows, next_after = search_clients(query, after, current_app.config["PAGE_SIZE"])
    return render_page_or_fragment(
        "admin/clients.html",
        "admin/_client_results.html",
        clients=rows,
        q=query,
        after=after,
        next_after=next_after,
    )


@bp.route("/clients/new", methods=["GET", "POST"])
@admin_required
def new_client():
    """Create a client on their behalf; they get an invitation to choose a password."""
    form = NewClientForm()
    if form.validate_on_submit():
        client = create_client_on_behalf(
            form.email.data,
            category=form.category.data,
            last_name=form.last_name.data,
            first_name=form.first_name.data,
            company_name=form.company_name.data,
        )
        db.session.commit()
        flash(_("Client créé : une invitation a été envoyée à %(email)s.", email=client.user.email))
        return htmx_redirect(url_for(".client", client_id=client.id))
    return render_form("admin/client_new.html", form)


@bp.get("/clients/<int:client_id>")
@admin_required
def client(client_id: int):
    """A client's page: every section and every area's panel. Each view is logged."""
    client = db.get_or_404(Client, client_id)
    log_admin_view(client.id)
    return render_template(
        "admin/client.html",
        client=client,
        sections=sections_for(client),
        links=section_links(client),
        panels=panels_for("admin_client", client=client, admin=current_user),
    )


def section_links(client: Client) -> SectionLinks:
    """The admin's editor of a client's sections."""
    return SectionLinks(
        "admin.client",
        "admin.client_section",
        "admin.edit_client_section",
        {"client_id": client.id},
    )


@bp.get("/clients/<int:client_id>/<name>")
@admin_required
def client_section(client_id: int, name: str):
    """One section of a client as read (the fragment an edit is cancelled to)."""
    client = db.get_or_404(Client, client_id)
    section = section_or_404(name, client)
    log_admin_view(client.id, section.name)
    return section_view(client, section, section_links(client))


@bp.route("/clients/<int:client_id>/<name>/edit", methods=["GET", "POST"])
@admin_required
def edit_client_section(client_id: int, name: str):
    """Edit one section of a client on their behalf; the client's history says "our team"."""
    client = db.get_or_404(Client, client_id)
    section = section_or_404(name, client)
    log_admin_view(client.id, section.name)
    return section_editor(client, section, section_links(client), "admin/client_section_edit.html")


@bp.post("/clients/<int:client_id>/invitation")
@admin_required
def resend_invitation(client_id: int):
    """Send the invitation again, to a client who has not yet chosen a password."""
    client = db.get_or_404(Client, client_id)
    if client.user is None or client.user.password_hash is not None:
        flash(_("Ce client a déjà choisi son mot de passe."), "info")
    else:
        send_invitation(client.user)
        db.session.commit()
        flash(_("Invitation renvoyée à %(email)s.", email=client.user.email), "success")
    return redirect(url_for(".client", client_id=client.id), code=303)
