"""Routes of the export of a client's data: the client's own, an admin's for a client.

Both stream one ZIP (see :mod:`services.export`) and log who took it.
"""

from __future__ import annotations

from flask import Response, render_template, stream_with_context
from flask_login import current_user

from blueprints.gdpr import bp
from models import db, utcnow
from models.client import Client
from services.activity import log_activity
from services.client_documents import zip_stream
from services.dates import company_today
from services.export import export_documents, export_tables
from web.access import admin_required, client_required, log_admin_view


def _zip_response(client: Client) -> Response:
    tables = export_tables(client)
    summary = render_template(
        "gdpr/export_summary.html", client=client, tables=tables, now=utcnow()
    )
    documents = export_documents(client, tables, summary)
    log_activity("gdpr.export_downloaded", target=client, detail={"files": len(documents)})
    db.session.commit()
    response = Response(stream_with_context(zip_stream(documents)), mimetype="application/zip")
    name = f"mes-donnees-{company_today().isoformat()}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/account/privacy/export")
@client_required
def account_export():
    """The client's data and documents in one ZIP (rights of access and portability)."""
    return _zip_response(current_user.client)


@bp.get("/admin/clients/<int:client_id>/export")
@admin_required
def admin_export(client_id: int):
    """A client's export, produced by an admin (a request received by post, for instance)."""
    log_admin_view(client_id, "export")
    return _zip_response(db.get_or_404(Client, client_id))
