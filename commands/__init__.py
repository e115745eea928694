"""``flask --app app ...`` commands, one module per area."""

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app``."""
    from commands import clients, demo, users

    app.cli.add_command(users.create_admin)
    app.cli.add_command(demo.demo)
    app.cli.add_command(clients.clients)
