"""``flask --app app ...`` commands, one module per area."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app``."""
    from commands import activity, clients, crypto, demo, mail, users

    app.cli.add_command(users.create_admin)
    app.cli.add_command(demo.demo)
    app.cli.add_command(mail.mail_cli)
    app.cli.add_command(activity.activity)
    app.cli.add_command(crypto.crypto)
    app.cli.add_command(clients.clients)
