"""Admin pages of newsletters: list, write, preview, test, send and follow the sending."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from blueprints.newsletters import bp
from blueprints.newsletters.forms import NewsletterForm
from models import db, utcnow
from models.newsletter import DELIVERY_STATUSES, STATUS_DRAFT, Newsletter
from services.activity import log_activity
from services.i18n import gettext as _
from services.newsletters import (
    count_recipients,
    editing_problem,
    progress,
    send_batch,
    send_test,
    sending_problem,
    start_sending,
)
from services.sanitize import sanitize_html
from web.access import admin_required
from web.forms import record_id, render_form, require_one_button_form
from web.htmx import htmx_redirect, render_page_or_fragment


def _save(form: NewsletterForm, newsletter: Newsletter) -> None:
    newsletter.subject = form.subject.data.strip()
    newsletter.body_html = sanitize_html(form.body_html.data) or ""
    newsletter.body_text = form.body_text.data.strip()
    newsletter.edited_at = utcnow()
    newsletter.tested_at = None  # a test of the previous version proves nothing of this one


@bp.get("/admin/newsletters")
@admin_required
def admin_newsletters():
    """Every newsletter, newest first, with how many clients would get one today."""
    page = request.args.get("page", type=record_id) or 0
    size = current_app.config["PAGE_SIZE"]
    rows = db.session.scalars(
        sa.select(Newsletter)
        .order_by(Newsletter.created_at.desc(), Newsletter.id.desc())
        .offset(page * size)
        .limit(size + 1)
    ).all()
    return render_template(
        "newsletters/admin_newsletters.html",
        newsletters=rows[:size],
        more=len(rows) > size,
        page=page,
        recipients=count_recipients(),
    )


@bp.route("/admin/newsletters/new", methods=["GET", "POST"])
@admin_required
def new_newsletter():
    """Write a newsletter; it stays a draft until sent."""
    form = NewsletterForm()
    if form.validate_on_submit():
        newsletter = Newsletter(created_by_id=current_user.id)
        _save(form, newsletter)
        db.session.add(newsletter)
        db.session.flush()
        log_activity("newsletter.created", target=newsletter)
        db.session.commit()
        flash(_("Brouillon enregistré. Relisez l'aperçu, puis envoyez-vous un test."), "success")
        return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter.id))
    return render_form("newsletters/newsletter_form.html", form, newsletter=None)


@bp.get("/admin/newsletters/<int:newsletter_id>")
@admin_required
def admin_newsletter(newsletter_id: int):
    """The preview, the test and sending buttons, and the progress of a sending."""
    newsletter = db.get_or_404(Newsletter, newsletter_id)
    return render_template(
        "newsletters/admin_newsletter.html",
        newsletter=newsletter,
        recipients=count_recipients(),
        problem=sending_problem(newsletter) if newsletter.status == STATUS_DRAFT else None,
        progress=progress(newsletter),
        labels=DELIVERY_STATUSES,
    )


@bp.get("/admin/newsletters/<int:newsletter_id>/progress")
@admin_required
def newsletter_progress(newsletter_id: int):
    """The progress of a sending (an htmx fragment that polls while it lasts)."""
    newsletter = db.get_or_404(Newsletter, newsletter_id)
    return render_page_or_fragment(
        "newsletters/admin_newsletter.html",
        "newsletters/_progress.html",
        200,
        newsletter=newsletter,
        recipients=count_recipients(),
        problem=None,
        progress=progress(newsletter),
        labels=DELIVERY_STATUSES,
    )


@bp.route("/admin/newsletters/<int:newsletter_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_newsletter(newsletter_id: int):
    """Change a draft; it must then be tested again before it is sent."""
    newsletter = db.get_or_404(Newsletter, newsletter_id)
    problem = editing_problem(newsletter)
    if problem:
        flash(str(problem), "error")
        return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter.id))
    form = NewsletterForm(obj=newsletter)
    if form.validate_on_submit():
        _save(form, newsletter)
        log_activity("newsletter.edited", target=newsletter)
        db.session.commit()
        flash(_("Brouillon mis à jour. Envoyez-vous un nouveau test avant l'envoi."), "success")
        return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter.id))
    return render_form("newsletters/newsletter_form.html", form, newsletter=newsletter)


@bp.post("/admin/newsletters/<int:newsletter_id>/test")
@admin_required
def test_newsletter(newsletter_id: int):
    """Mail the newsletter to the admin who asks."""
    require_one_button_form()
    newsletter = db.get_or_404(Newsletter, newsletter_id)
    send_test(newsletter, current_user)
    db.session.commit()
    flash(_("Test envoyé à %(email)s.", email=current_user.email), "success")
    return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter.id))


@bp.post("/admin/newsletters/<int:newsletter_id>/send")
@admin_required
def send_newsletter(newsletter_id: int):
    """Send a tested draft to the consenting clients: the first batch now, the rest by cron."""
    require_one_button_form()
    newsletter = db.get_or_404(Newsletter, newsletter_id, with_for_update=True)
    problem = sending_problem(newsletter)
    if problem:
        db.session.rollback()
        flash(str(problem), "error")
        return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter_id))
    count = start_sending(newsletter)
    db.session.commit()
    send_batch(newsletter)
    flash(_("Envoi lancé vers %(count)d client(s).", count=count), "success")
    return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter_id))


@bp.post("/admin/newsletters/<int:newsletter_id>/delete")
@admin_required
def delete_newsletter(newsletter_id: int):
    """Delete a draft (confirmed in the page); a sent newsletter stays as the proof of it."""
    require_one_button_form()
    newsletter = db.get_or_404(Newsletter, newsletter_id)
    if newsletter.status != STATUS_DRAFT:
        flash(_("Une lettre envoyée est gardée : elle ne se supprime pas."), "error")
        return htmx_redirect(url_for("newsletters.admin_newsletter", newsletter_id=newsletter_id))
    log_activity("newsletter.deleted", target=newsletter, detail=newsletter.subject[:200])
    db.session.delete(newsletter)
    db.session.commit()
    flash(_("Brouillon supprimé."), "success")
    return htmx_redirect(url_for("newsletters.admin_newsletters"))
