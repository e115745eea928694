"""Demo data: the seller of the policy, an admin and clients of the three categories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from models import db, utcnow
from models.client import (
    CATEGORY_ASSOCIATION,
    CATEGORY_INDIVIDUAL,
    CATEGORY_PROFESSIONAL,
    Client,
)
from models.user import ROLE_ADMIN, ROLE_CLIENT, User
from services.passwords import hash_password

# Demo passwords follow the policy's rule; they are printed by the command, never used in prod.
DEMO_PASSWORD = "Demonstration-Espace-2026!"  # noqa: S105 - printed for the demo
DEMO_ADMIN = "admin@demo.empcomputer.fr"
DEMO_ADMIN_NAME = "Julien Moreau"  # the technician of the demo interventions

DEMO_CLIENTS = [
    {
        "email": "marie.martin@demo.empcomputer.fr",
        "category": CATEGORY_INDIVIDUAL,
        "first_name": "Marie",
        "last_name": "Martin",
        "birth_date": date(1978, 5, 14),
        "address_line1": "12 rue des Palmiers",
        "postcode": "83400",
        "city": "Hyères",
        "phone": "+33612345678",
    },
    {
        "email": "contact@cabinet-durand.demo.empcomputer.fr",
        "category": CATEGORY_PROFESSIONAL,
        "first_name": "Paul",
        "last_name": "Durand",
        "address_line1": "4 avenue Gambetta",
        "postcode": "83400",
        "city": "Hyères",
        "phone": "+33494000000",
        "company_name": "Cabinet Durand SARL",
        "trade_name": "Cabinet Durand",
        "head_office": "Hyères",
        "head_office_address": "4 avenue Gambetta, 83400 Hyères",
        "siret": "73282932000074",
    },
    {
        "email": "bureau@amis-du-port.demo.empcomputer.fr",
        "category": CATEGORY_ASSOCIATION,
        "first_name": "Claire",
        "last_name": "Bernard",
        "address_line1": "Port Saint-Pierre",
        "postcode": "83400",
        "city": "Hyères",
        "phone": "+33611223344",
        "company_name": "Les Amis du Port",
        "head_office": "Hyères",
        # No postal address of the head office: the dashboard asks for it (a demo of the prompt).
        "rna_number": "W833000123",
    },
]

# app.extensions[DEMO_STEPS]: functions ``step(admin=, clients=)`` that add an area's own demo
# records for the clients made here, in the order the areas' blueprints were registered.
DEMO_STEPS = "demo_steps"


def register_demo_step(app: Flask, step: Callable[..., None]) -> None:
    """Let ``flask demo`` on ``app`` run ``step`` after the admin and clients are made (once)."""
    steps = app.extensions.setdefault(DEMO_STEPS, [])
    if step not in steps:
        steps.append(step)


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def load_demo_data() -> dict:
    """Create the demo admin and clients; returns the logins to show."""
    password_hash = hash_password(DEMO_PASSWORD)
    admin = User(
        email=DEMO_ADMIN,
        email_canonical=DEMO_ADMIN,
        password_hash=password_hash,
        role=ROLE_ADMIN,
        display_name=DEMO_ADMIN_NAME,
        email_verified_at=utcnow(),
    )
    db.session.add(admin)
    clients = []
    for data in DEMO_CLIENTS:
        data = dict(data)
        email = data.pop("email")
        user = User(
            email=email,
            email_canonical=email,
            password_hash=password_hash,
            role=ROLE_CLIENT,
            email_verified_at=utcnow(),
        )
        client = Client(user=user, **data)
        db.session.add(client)
        clients.append(client)
    db.session.flush()
    for step in current_app.extensions.get(DEMO_STEPS, ()):
        step(admin=admin, clients=clients)
    db.session.commit()
    return {
        "admin": DEMO_ADMIN,
        "admin_enrolled": False,
        "clients": [c.user.email for c in clients],
    }


def existing_demo_logins() -> dict | None:
    """The demo accounts still in the database, or None when the demo admin is not there."""
    emails = [DEMO_ADMIN] + [client["email"] for client in DEMO_CLIENTS]
    found = {
        user.email_canonical: user
        for user in db.session.scalars(sa.select(User).where(User.email_canonical.in_(emails)))
    }
    admin = found.get(DEMO_ADMIN)
    if admin is None:
        return None
    return {
        "admin": DEMO_ADMIN,
        "admin_enrolled": admin.totp_enabled_at is not None,
        "clients": [email for email in emails[1:] if email in found],
    }


def echo_logins(logins: dict) -> None:
    """Print where to go and how to log in with the demo accounts."""
    url = current_app.config.get("MAIL_BASE_URL") or "http://127.0.0.1:5000"
    click.echo(f"Espace Client : {url}")
    click.echo(
        f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD} "
        "(sauf si vous l'avez changé)"
    )
    if logins.get("admin_enrolled"):
        second_factor = "code à six chiffres de son application d'authentification"
    else:
        # Admins must use a second factor: the first login goes through its set-up.
        second_factor = (
            "à sa première connexion, il configure la double authentification "
            "(QR code à scanner avec une application comme Aegis, FreeOTP ou Google Authenticator)"
        )
    click.echo(f"  administrateur : {logins['admin']} ; {second_factor}")
    for email in logins["clients"]:
        click.echo(f"  client : {email}")


@click.command("demo")
@with_appcontext
@click.option(
    "--if-empty",
    is_flag=True,
    help="Sur une base déjà remplie, ne rien charger (les accès de démonstration sont affichés).",
)
def demo(if_empty: bool) -> None:
    """Charge les données de démonstration (le vendeur, un administrateur, trois clients)."""
    if database_is_empty():
        logins = load_demo_data()
        click.echo(f"Données de démonstration chargées ({current_app.config['COMPANY_NAME']}).")
    elif not if_empty:
        raise click.ClickException("La base contient déjà des comptes : démonstration refusée.")
    else:
        logins = existing_demo_logins()
        if logins is None:
            click.echo("Base déjà remplie, sans les comptes de démonstration : rien n'est chargé.")
            return
        click.echo("Données de démonstration déjà chargées.")
    echo_logins(logins)
