"""Commands: create-admin and demo."""

import pytest
import sqlalchemy as sa

from models import db
from models.client import CATEGORIES, Client
from models.user import User
from tests.conftest import count_rows


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


def test_demo_client_can_log_in(app, runner, auth):
    from commands.demo import DEMO_PASSWORD

    runner.invoke(args=["demo"])
    response = auth.login(email="marie.martin@demo.empcomputer.fr", password=DEMO_PASSWORD)
    assert response.status_code == 303
