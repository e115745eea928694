"""Data-protection rights: the requests clients make, and what each client can see of their data.

Admins follow the requests at /admin/gdpr (deadline, checklist, status); a client sees at
/account/privacy their requests, who at the company opened their data and until when their
data are kept; admins see at /admin/gdpr/retention whose data are due for deletion soon, keep
the processing register at /admin/gdpr/register and the breach register at /admin/gdpr/breaches.
"""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("gdpr", __name__, cli_group="gdpr")

from blueprints.gdpr import (  # noqa: E402,F401
    birthdays,
    breaches,
    commands,
    consent,
    erasure,
    export,
    register,
    restriction,
    retention,
    routes,
)


@bp.record_once
def _plug_into_the_app(state: BlueprintSetupState) -> None:
    """On the app that registers the area: the retention panel of the admin client page."""
    retention.register_panels(state.app)
