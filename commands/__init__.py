"""``flask --app app ...`` commands, one module per area."""

from flask import Flask

# Flask's, Flask-Migrate's and Flask-Limiter's commands describe themselves in English; the
# rest of the command line speaks French, so ``flask --help`` lists them in French too.
OTHER_COMMANDS_HELP = {
    "run": "Lance le serveur de développement.",
    "shell": "Ouvre une console Python dans le contexte de l'application.",
    "routes": "Affiche les routes de l'application.",
    "db": "Migrations du schéma de la base de données (Alembic).",
    "limiter": "Limites de requêtes : configuration, routes limitées, remise à zéro.",
}


def describe_other_commands_in_french(app: Flask) -> None:
    """Give the commands of Flask and its extensions a French description.

    ``run``, ``shell``, ``routes`` and the extensions' plugin commands (``flask.commands``
    entry points, how ``limiter`` arrives) are objects shared by the process: each application
    made in it sets the same text.
    """
    from importlib.metadata import entry_points

    from flask import cli

    named = {c.name: c for c in (cli.run_command, cli.shell_command, cli.routes_command)}
    for entry in entry_points(group="flask.commands"):
        if entry.name in OTHER_COMMANDS_HELP:
            named[entry.name] = entry.load()
    named.update(app.cli.commands)
    for name, command in named.items():
        if name in OTHER_COMMANDS_HELP:
            command.help = command.short_help = OTHER_COMMANDS_HELP[name]


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app``."""
    from commands import activity, check, clients, crypto, demo, mail, users

    app.cli.add_command(users.create_admin)
    app.cli.add_command(demo.demo)
    app.cli.add_command(mail.mail_cli)
    app.cli.add_command(activity.activity)
    app.cli.add_command(crypto.crypto)
    app.cli.add_command(clients.clients)
    app.cli.add_command(check.check)
    describe_other_commands_in_french(app)
