"""The processing register at /admin/gdpr/register (GDPR art. 30), editable, exported as CSV.

What admins write (purposes, legal bases, persons, recipients, transfers, security measures) is
stored; the data categories, retention periods and what the configuration decides are read
from the software (services.processing_register), so that the register, the privacy page and
the purge say the same thing.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Response, current_app, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.gdpr import bp
from blueprints.gdpr.forms import ProcessingForm, PurposeForm
from models import db
from models.register import ProcessingPurpose
from services.activity import log_activity
from services.i18n import gettext as _
from services.processing_register import (
    main_processing,
    register_facts,
    shown,
    stored_processing,
)
from services.spreadsheet import BOM, csv_line
from web.access import admin_required
from web.forms import render_form, require_one_button_form
from web.htmx import htmx_redirect


@bp.get("/admin/gdpr/register")
@admin_required
def admin_register():
    """The register as it stands, with the parts the software fills in. The first visit stores
    the seed, so that each purpose has its own edit and delete links."""
    if main_processing().id is None:
        try:
            stored_processing()
            db.session.commit()
        except sa.exc.IntegrityError:  # another admin stored it at the same moment
            db.session.rollback()
    return render_template("gdpr/admin_register.html", **register_facts(current_app.config))


@bp.get("/admin/gdpr/register.csv")
@admin_required
def register_csv():
    """The register as a spreadsheet: one line per fact (section; item; detail)."""
    view = register_facts(current_app.config)
    lines = [BOM + csv_line([_("Rubrique"), _("Élément"), _("Précision")])]
    controller = current_app.config["COMPANY_NAME"]
    lines.append(csv_line([_("Traitement"), view["name"], ""]))
    lines.append(csv_line([_("Responsable du traitement"), controller, ""]))
    for _purpose, text, basis in view["purposes"]:
        lines.append(csv_line([_("Finalité"), text, basis]))
    lines.append(csv_line([_("Personnes concernées"), view["persons"], ""]))
    for category in view["categories"]:
        for label, retention in category.items:
            lines.append(csv_line([category.label, label, retention]))
    for recipient in view["recipients"]:
        lines.append(csv_line([_("Destinataires"), recipient, ""]))
    for transfer in view["transfers"]:
        lines.append(csv_line([_("Transferts hors de l'Union européenne"), transfer, ""]))
    for measure in view["security"]:
        lines.append(csv_line([_("Mesures de sécurité"), measure, ""]))
    log_activity("register.exported")
    db.session.commit()
    filename = f"registre-des-traitements-{date.today().isoformat()}.csv"
    return Response(
        "".join(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/admin/gdpr/register/edit", methods=["GET", "POST"])
@admin_required
def edit_register():
    """Edit the written parts of the processing."""
    processing = main_processing()
    form = ProcessingForm(obj=processing)
    if request.method == "GET":
        for name in ("name", "persons", "recipients", "transfers"):
            getattr(form, name).data = shown(getattr(processing, name))
        form.security.data = "\n".join(map(shown, processing.security_lines))
    if form.validate_on_submit():
        processing = stored_processing()
        for name in ("name", "persons", "recipients", "transfers", "security"):
            setattr(processing, name, getattr(form, name).data.strip())
        processing.updated_by_id = current_user.id
        log_activity("register.updated", target=processing)
        db.session.commit()
        flash(_("Registre des traitements mis à jour."), "success")
        return htmx_redirect(url_for("gdpr.admin_register"))
    return render_form("gdpr/register_form.html", form)


@bp.route("/admin/gdpr/register/purposes/new", methods=["GET", "POST"])
@admin_required
def new_purpose():
    """Add a purpose to the processing."""
    form = PurposeForm()
    if request.method == "GET":
        form.position.data = len(main_processing().purposes)
    if form.validate_on_submit():
        processing = stored_processing()
        purpose = ProcessingPurpose(
            processing=processing,
            purpose=form.purpose.data.strip(),
            legal_basis=form.legal_basis.data,
            position=form.position.data,
        )
        db.session.add(purpose)
        processing.updated_by_id = current_user.id
        db.session.flush()
        log_activity("register.purpose_added", target=purpose)
        db.session.commit()
        flash(_("Finalité ajoutée au registre."), "success")
        return htmx_redirect(url_for("gdpr.admin_register"))
    return render_form("gdpr/purpose_form.html", form, purpose=None)


def _stored_purpose_or_404(purpose_id: int) -> ProcessingPurpose:
    """A purpose of the stored register (the seed is stored first, its ids then fixed)."""
    return db.get_or_404(ProcessingPurpose, purpose_id)


@bp.route("/admin/gdpr/register/purposes/<int:purpose_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_purpose(purpose_id: int):
    """Reword a purpose, change its legal basis or its rank."""
    purpose = _stored_purpose_or_404(purpose_id)
    form = PurposeForm(obj=purpose)
    if request.method == "GET":
        form.purpose.data = shown(purpose.purpose)
    if form.validate_on_submit():
        purpose.purpose = form.purpose.data.strip()
        purpose.legal_basis = form.legal_basis.data
        purpose.position = form.position.data
        purpose.processing.updated_by_id = current_user.id
        log_activity("register.purpose_updated", target=purpose)
        db.session.commit()
        flash(_("Finalité mise à jour."), "success")
        return htmx_redirect(url_for("gdpr.admin_register"))
    return render_form("gdpr/purpose_form.html", form, purpose=purpose)


@bp.post("/admin/gdpr/register/purposes/<int:purpose_id>/delete")
@admin_required
def delete_purpose(purpose_id: int):
    """Remove a purpose (confirmed in the page); a processing keeps at least one."""
    require_one_button_form()
    purpose = _stored_purpose_or_404(purpose_id)
    if len(purpose.processing.purposes) <= 1:
        flash(_("Un traitement a au moins une finalité : modifiez celle-ci plutôt."), "error")
        return htmx_redirect(url_for("gdpr.admin_register"))
    log_activity("register.purpose_deleted", target=purpose, detail=purpose.purpose[:200])
    purpose.processing.updated_by_id = current_user.id
    db.session.delete(purpose)
    db.session.commit()
    flash(_("Finalité retirée du registre."), "success")
    return htmx_redirect(url_for("gdpr.admin_register"))
