"""Commands of the client files: re-indexing for the search; demo history."""

import sqlalchemy as sa

from models import db
from models.client_search_index import ClientSearchTerm
from tests.fixtures.database import count_rows
from tests.fixtures.http import HTMX


def test_reindex_rebuilds_the_search_index(app, runner, client, auth):
    auth.create_client(email="helene@example.fr", last_name="Moreau", first_name="Hélène")
    auth.create_admin(enrolled=True)
    with app.app_context():
        db.session.execute(sa.delete(ClientSearchTerm))
        db.session.commit()
    result = runner.invoke(args=["clients", "reindex"])
    assert result.exit_code == 0 and "1 fiches clients réindexées" in result.output
    assert count_rows(app, ClientSearchTerm) > 0
    auth.login(email="admin@example.fr", totp=True)
    html = client.get("/admin/clients?q=helene", headers=HTMX).get_data(as_text=True)
    assert "helene@example.fr" in html


def test_demo_clients_have_a_profile_history(runner, client, auth):
    from commands.demo import DEMO_PASSWORD

    assert runner.invoke(args=["demo"]).exit_code == 0
    auth.login(email="marie.martin@demo.empcomputer.fr", password=DEMO_PASSWORD)
    html = client.get("/account/profile").get_data(as_text=True)
    assert "Identité : Date de naissance" in html and "par notre équipe" in html
