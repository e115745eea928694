"""Data-protection rights: the requests clients make, and what each client can see of their data.

Admins follow the requests at /admin/gdpr (deadline, checklist, status); a client sees at
/account/privacy their requests and who at the company opened their data.
"""

from flask import Blueprint

bp = Blueprint("gdpr", __name__, cli_group="gdpr")

from blueprints.gdpr import routes  # noqa: E402,F401
