"""Invoices and credit notes (avoirs), their PDFs with Factur-X, payments and reminders.

The client's pages are under /invoices; the admins' under /admin/invoices and
/admin/clients/<id>/invoices. Rules (amounts, VAT, numbering, status) are in ``rules``, acts that
span them (issue, payment, reminders) in ``billing``, the PDF in ``document``. Its commands are
the ``billing`` group: ``flask --app app billing remind``.
"""

from decimal import Decimal

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from services.i18n import format_currency

bp = Blueprint("invoices", __name__, cli_group="billing")


def cents(value) -> str:
    """An amount in cents, in the reader's language: ``1 234,50 €``."""
    return format_currency(Decimal(value or 0) / 100, "EUR")


bp.add_app_template_filter(cents, "cents")

from blueprints.invoices import rules  # noqa: E402

# What pages of invoices show of their lines and status.
bp.add_app_template_global(rules.status_label, "invoice_status_label")
bp.add_app_template_global(rules.format_quantity, "invoice_quantity")
bp.add_app_template_global(rules.format_rate, "invoice_rate")
bp.add_app_template_global(rules.net_of, "invoice_line_net")

from blueprints.invoices import billing, commands, demo, panels, routes  # noqa: E402,F401
from commands.demo import register_demo_step  # noqa: E402
from services.client_documents import register_document_source  # noqa: E402
from services.data_rights import register_erasure_check  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its panels, its documents, its erasure checks, its
    demo data."""
    panels.register_panels(state.app)
    register_document_source(state.app, "invoices", billing.client_documents_source)
    register_erasure_check(state.app, "unpaid_invoices", billing.unpaid_invoices_check)
    register_erasure_check(state.app, "invoices_never_downloaded", billing.never_downloaded_check)
    register_demo_step(state.app, demo.add_demo_invoices)
