"""Commands: create-admin and demo."""

import pytest
import sqlalchemy as sa

from models import db
from models.client import CATEGORIES, Client
from models.user import User
from tests.fixtures.database import count_rows


def test_create_admin_reads_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-admin", "chef@example.fr"], input="Tres-Long-Mot-De-Passe-42!\n"
    )
    assert result.exit_code == 0, result.output
    assert count_rows(app, User, User.role == "admin") == 1


def test_create_admin_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["create-admin", "chef@example.fr"], input="court\n")
    assert result.exit_code != 0
    assert "Mot de passe refusé" in result.output
    assert count_rows(app, User) == 0


def test_create_admin_refuses_a_duplicate(app, runner):
    runner.invoke(args=["create-admin", "chef@example.fr"], input="Tres-Long-Mot-De-Passe-42!\n")
    result = runner.invoke(
        args=["create-admin", "CHEF@example.fr"], input="Tres-Long-Mot-De-Passe-42!\n"
    )
    assert result.exit_code != 0 and "existe déjà" in result.output


@pytest.mark.parametrize(
    "email", ["pas-une-adresse", "chef@localhost", "a" * 250 + "@example.fr", "chef\n@example.fr"]
)
def test_create_admin_refuses_an_invalid_address(app, runner, email):
    result = runner.invoke(args=["create-admin", email], input="Tres-Long-Mot-De-Passe-42!\n")
    assert result.exit_code != 0 and "Adresse e-mail invalide" in result.output
    assert count_rows(app, User) == 0


def test_create_admin_stores_the_address_as_registration_does(app, runner):
    result = runner.invoke(
        args=["create-admin", "  Chef@Example.FR "], input="Tres-Long-Mot-De-Passe-42!\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
    assert (admin.email, admin.email_canonical) == ("Chef@example.fr", "chef@example.fr")


def test_demo_loads_the_three_categories_once(app, runner):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output
    with app.app_context():
        categories = set(db.session.scalars(sa.select(Client.category)))
    assert categories == set(CATEGORIES)
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert count_rows(app, Client) == 3


def test_demo_logins_are_printed_again_on_a_filled_database(app, runner):
    from commands.demo import DEMO_PASSWORD

    runner.invoke(args=["demo", "--if-empty"])
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "déjà chargées" in again.output and DEMO_PASSWORD in again.output
    assert "administrateur : admin@demo.empcomputer.fr" in again.output
    assert "première connexion, il configure la double authentification" in again.output
    assert "client : marie.martin@demo.empcomputer.fr" in again.output


def test_demo_logins_say_when_the_admin_has_set_up_the_second_factor(app, runner):
    from tests.fixtures.totp import enrol

    runner.invoke(args=["demo", "--if-empty"])
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.role == "admin"))
    enrol(app, admin_id)
    output = runner.invoke(args=["demo", "--if-empty"]).output
    assert "code à six chiffres" in output and "première connexion" not in output


def test_demo_on_a_database_without_the_demo_accounts_prints_no_logins(app, runner, auth):
    from commands.demo import DEMO_PASSWORD

    auth.create_client()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "rien n'est chargé" in result.output and DEMO_PASSWORD not in result.output
    assert count_rows(app, Client) == 1


def test_demo_prints_the_address_served(app, runner):
    app.config["MAIL_BASE_URL"] = "http://127.0.0.1:5712"
    assert "Espace Client : http://127.0.0.1:5712" in runner.invoke(args=["demo"]).output


def test_demo_client_can_log_in(app, runner, auth):
    from commands.demo import DEMO_PASSWORD

    runner.invoke(args=["demo"])
    response = auth.login(email="marie.martin@demo.empcomputer.fr", password=DEMO_PASSWORD)
    assert response.status_code == 303


def test_create_admin_takes_the_name_shown_to_clients(app, runner):
    result = runner.invoke(
        args=["create-admin", "chef@example.fr", "--name", "  Julie   Roux "],
        input="Tres-Long-Mot-De-Passe-42!\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
    assert admin.display_name == "Julie Roux" and admin.name_shown == "Julie Roux"


def test_create_admin_refuses_a_name_too_long(app, runner):
    result = runner.invoke(
        args=["create-admin", "chef@example.fr", "--name", "x" * 101],
        input="Tres-Long-Mot-De-Passe-42!\n",
    )
    assert result.exit_code != 0 and "Nom trop long" in result.output
    assert count_rows(app, User) == 0


# Words that give an English description away; French descriptions use none of them.
ENGLISH_WORDS = {"the", "and", "run", "show", "perform", "create", "load", "deliver", "queue"}
ENGLISH_WORDS |= {"rebuild", "re-encrypt", "field", "encryption", "commands", "of", "for"}


def help_lines(app, *args) -> dict[str, str]:
    """{command: description} as ``flask [args] --help`` lists them."""
    from click.testing import CliRunner
    from flask.cli import FlaskGroup

    output = CliRunner().invoke(FlaskGroup(create_app=lambda: app), [*args, "--help"]).output
    commands = output.split("Commands:\n", 1)[1]
    described: dict[str, str] = {}
    for line in commands.splitlines():
        if line.startswith("  ") and not line.startswith("   "):  # a command, then its text
            name, _, text = line.strip().partition(" ")
            described[name] = text.strip()
        elif line.strip():  # a description wrapped on the next line
            described[name] += " " + line.strip()
    return described


@pytest.mark.parametrize("group", [(), ("mail",), ("crypto",), ("clients",)])
def test_command_line_help_describes_every_command_in_french(app, group):
    described = help_lines(app, *group)
    assert described, group
    english = {
        name: text
        for name, text in described.items()
        if ENGLISH_WORDS & set(text.lower().replace(",", " ").replace(".", " ").split())
    }
    assert english == {}
    if not group:
        assert {"run", "db", "limiter", "demo", "create-admin"} <= set(described)
