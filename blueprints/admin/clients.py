"""The admin's clients: live search, a client's page, a client created on their behalf."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from blueprints.admin import bp
from blueprints.auth.rules import canonical_email, normalize_email
from models import db
from models.client import CATEGORY_INDIVIDUAL, Client
from models.user import ROLE_CLIENT, User
from services.access import admin_required
from services.activity import log_activity, log_client_viewed
from services.client_search import search_clients
from services.dashboard import panels_for, register_panel
from services.forms import CleanForm, record_id
from services.htmx import htmx_redirect, render_page_or_fragment
from services.invitations import send_invitation
from services.profile import FIELD_LABELS, category_choices, section_or_404, sections_for
from services.profile_editor import SectionLinks, section_editor, section_view


def _clients_panel(**_context):
    """Admin home: how many clients, and how many have not yet accepted their invitation."""
    total, pending = db.session.execute(
        sa.select(
            sa.func.count(Client.id),
            sa.func.count(sa.case((User.password_hash.is_(None), 1))),
        ).outerjoin(Client.user)
    ).one()
    return {"total": total, "pending": pending}


register_panel("admin", "clients", "admin/_panel_clients.html", _clients_panel, order=90)


class NewClientForm(CleanForm):
    identity = True
    category = SelectField(
        FIELD_LABELS["category"], choices=category_choices, default="particulier"
    )
    email = EmailField(
        _l("Adresse e-mail"),
        [
            DataRequired(_l("Saisissez l'adresse e-mail du client.")),
            Email(_l("Cette adresse e-mail n'est pas valide.")),
            Length(max=254),
        ],
    )
    last_name = StringField(
        FIELD_LABELS["last_name"], [DataRequired(_l("Ce champ est obligatoire.")), Length(max=100)]
    )
    first_name = StringField(
        FIELD_LABELS["first_name"],
        [DataRequired(_l("Ce champ est obligatoire.")), Length(max=100)],
    )
    company_name = StringField(FIELD_LABELS["company_name"], [Length(max=200)])

    def validate_email(self, field):
        exists = db.session.scalar(
            sa.select(User.id).where(User.email_canonical == canonical_email(field.data))
        )
        if exists:
            raise ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))

    def validate_company_name(self, field):
        if self.category.data != CATEGORY_INDIVIDUAL and not (field.data or "").strip():
            raise ValidationError(_("La raison sociale est obligatoire pour cette catégorie."))


def create_client_on_behalf(form: NewClientForm) -> Client:
    """The account (no password, address unverified) and client file, and the invitation mail."""
    email = normalize_email(form.email.data)
    user = User(email=email, email_canonical=canonical_email(email), role=ROLE_CLIENT)
    client = Client(
        user=user,
        category=form.category.data,
        last_name=form.last_name.data.strip(),
        first_name=form.first_name.data.strip(),
        company_name=(form.company_name.data or "").strip() or None,
        country="FR",
    )
    db.session.add(client)
    db.session.flush()
    log_activity("admin.client_created", target=client)
    send_invitation(user)
    return client


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
        client = create_client_on_behalf(form)
        db.session.commit()
        flash(_("Client créé : une invitation a été envoyée à %(email)s.", email=client.user.email))
        return htmx_redirect(url_for(".client", client_id=client.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/client_new.html", form=form), status


@bp.get("/clients/<int:client_id>")
@admin_required
def client(client_id: int):
    """A client's page: every section and every area's panel. Each view is logged."""
    client = db.get_or_404(Client, client_id)
    log_client_viewed(client.id)
    db.session.commit()
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
    log_client_viewed(client.id, section.name)
    db.session.commit()
    return section_view(client, section, section_links(client))


@bp.route("/clients/<int:client_id>/<name>/edit", methods=["GET", "POST"])
@admin_required
def edit_client_section(client_id: int, name: str):
    """Edit one section of a client on their behalf; the client's history says "our team"."""
    client = db.get_or_404(Client, client_id)
    section = section_or_404(name, client)
    if request.method == "GET":
        log_client_viewed(client.id, section.name)
        db.session.commit()
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
