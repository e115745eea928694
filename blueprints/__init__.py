"""The areas of Espace Client, one blueprint each."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every area's blueprint on ``app``."""
    from blueprints.account import bp as account_bp
    from blueprints.admin import bp as admin_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.backups import bp as backups_bp
    from blueprints.contracts import bp as contracts_bp
    from blueprints.devices import bp as devices_bp
    from blueprints.errors import bp as errors_bp
    from blueprints.gdpr import bp as gdpr_bp
    from blueprints.interventions import bp as interventions_bp
    from blueprints.invoices import bp as invoices_bp
    from blueprints.newsletters import bp as newsletters_bp
    from blueprints.public import bp as public_bp
    from blueprints.tickets import bp as tickets_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(devices_bp)  # its URLs under /account/ and /admin/clients/
    app.register_blueprint(interventions_bp)  # its URLs under /account/ and /admin/
    app.register_blueprint(tickets_bp)  # its URLs under /tickets and /admin/tickets
    app.register_blueprint(gdpr_bp)  # /account/privacy and /admin/gdpr
    app.register_blueprint(invoices_bp)  # its URLs under /invoices, /account and /admin
    app.register_blueprint(contracts_bp)  # its URLs under /contracts and /admin
    app.register_blueprint(newsletters_bp)  # /admin/newsletters
    app.register_blueprint(backups_bp)  # commands, and a panel of the admin home
