"""Contracts and subscriptions: their terms, periods, renewals and reminders.

The client's pages are under /contracts; the admins' under /admin/contracts and
/admin/clients/<id>/contracts. Rules (periods, deadlines, the consumer's notice) are in
``rules``, acts (create, renew, end, reminders) in ``renewals``. Its commands are the
``contracts`` group: ``flask --app app contracts remind`` (reminders of contracts and licences,
the L215-1 notices) and ``flask --app app contracts renew`` (tacit renewals and ends), for cron.
"""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("contracts", __name__, cli_group="contracts")

from blueprints.contracts import commands, demo, panels, routes  # noqa: E402,F401
from blueprints.contracts.document import contract_documents  # noqa: E402
from blueprints.contracts.rules import contract_ends, running_contracts_check  # noqa: E402
from commands.demo import register_demo_step  # noqa: E402
from services.client_documents import register_document_source  # noqa: E402
from services.data_rights import register_erasure_check  # noqa: E402
from services.retention import register_end_source  # noqa: E402


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: its panels, its erasure check, its end dates for
    the retention clock, its demo data."""
    panels.register_panels(state.app)
    register_erasure_check(state.app, "running_contracts", running_contracts_check)
    register_end_source(state.app, "contracts", contract_ends)
    register_document_source(state.app, "contracts", contract_documents)
    register_demo_step(state.app, demo.add_demo_contracts)
