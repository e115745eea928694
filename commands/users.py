"""Account commands: create an admin from the shell."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from models import db, utcnow
from models.user import MAX_DISPLAY_NAME, ROLE_ADMIN, User
from services.activity import log_activity
from services.passwords import hash_password


def read_password() -> str:
    """The new password: from a hidden prompt on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("Mot de passe", hide_input=True, confirmation_prompt="Confirmation")
    return sys.stdin.readline().rstrip("\n")


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option(
    "--name", default="", help="Nom affiché aux clients (technicien), ex. « Julien Moreau »."
)
def create_admin(email: str, name: str) -> None:
    """Crée un compte administrateur pour EMAIL ; le mot de passe est demandé (ou lu sur stdin)."""
    from services.account_rules import email_problem, normalize_email, password_problems
    from services.accounts import canonical, find_account

    email = normalize_email(email)
    if len(email) > 254 or email_problem(email):
        raise click.ClickException(f"Adresse e-mail invalide : {email[:254]!r}.")
    if find_account(email) is not None:
        raise click.ClickException(f"Un compte existe déjà pour {email}.")
    name = " ".join(name.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise click.ClickException(f"Nom trop long (au plus {MAX_DISPLAY_NAME} caractères).")
    password = read_password()
    problems = password_problems(password, email)
    if problems:
        raise click.ClickException("Mot de passe refusé : " + " ; ".join(map(str, problems)))
    user = User(
        email=email,
        email_canonical=canonical(email),
        password_hash=hash_password(password),
        role=ROLE_ADMIN,
        display_name=name or None,
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    log_activity("admin.created", target=user, detail={"by": "command"})
    db.session.commit()
    click.echo(
        f"Administrateur créé : {email}. La double authentification sera demandée à sa première connexion."
    )
