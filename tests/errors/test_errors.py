"""Error pages: French, as pages and as htmx fragments; a 500 shows an id and no trace."""

import pytest
from flask import abort

from tests.fixtures.http import HTMX


@pytest.fixture
def failing_app(app):
    @app.get("/_test/fail/<int:code>")
    def fail(code):
        abort(code)

    @app.get("/_test/crash")
    def crash():
        raise RuntimeError("secret internal detail")

    return app


@pytest.mark.parametrize(
    "code,title",
    [
        (400, "Requête invalide"),
        (403, "Accès refusé"),
        (404, "Page introuvable"),
        (405, "Méthode non autorisée"),
        (413, "trop volumineux"),
        (422, "Données invalides"),
        (429, "Trop de tentatives"),
    ],
)
def test_error_pages_in_french(failing_app, code, title):
    client = failing_app.test_client()
    page = client.get(f"/_test/fail/{code}")
    assert page.status_code == code
    html = page.get_data(as_text=True)
    assert title in html and "<html" in html
    fragment = client.get(f"/_test/fail/{code}", headers=HTMX)
    assert fragment.status_code == code
    body = fragment.get_data(as_text=True)
    assert title in body and "<html" not in body
    assert fragment.headers["HX-Retarget"] == "#messages"


def test_unknown_page_is_404_in_french(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.get_data(as_text=True)


def test_server_error_shows_an_id_and_no_trace(failing_app, caplog):
    response = failing_app.test_client().get("/_test/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Erreur interne" in html and "Référence de l'erreur" in html
    assert "secret internal detail" not in html and "Traceback" not in html


@pytest.mark.settings(MAX_CONTENT_LENGTH=100)
def test_too_large_body_is_413(client):
    response = client.post("/auth/login", data={"email": "a" * 500, "password": "x"})
    assert response.status_code == 413
