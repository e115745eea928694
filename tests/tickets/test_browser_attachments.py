"""The file field of ticket forms in a real browser: files too many or too large are said
before sending, and a send refused as too large (413) leaves the form as typed."""

from __future__ import annotations

import pytest
from flask import render_template_string, request

pytestmark = pytest.mark.browser

FORM_PAGE = """{% extends "base.html" %}
{% block title %}Nouveau ticket{% endblock %}
{% block content %}
<form method="post" enctype="multipart/form-data" action="/_test/ticket-form">
  <label for="body">Description</label>
  <textarea id="body" name="body"></textarea>
  {% include "tickets/_attachment_input.html" %}
  <button type="submit">Envoyer</button>
</form>
{% endblock %}"""


@pytest.fixture
def form_app(app):
    """The app with a ticket-like form holding the file field; it counts what it receives."""
    received = []

    @app.route("/_test/ticket-form", methods=["GET", "POST"])
    def ticket_form():
        if request.method == "POST":
            received.append((request.form.get("body"), len(request.files.getlist("attachments"))))
            return "<p id='received'>Reçu</p>"
        return render_template_string(FORM_PAGE)

    app.received = received
    return app


def a_file(name: str, size: int) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * size}


@pytest.mark.settings(TICKET_ATTACHMENT_MAX_BYTES=10_000)
def test_a_file_too_large_is_said_before_sending_and_nothing_is_sent(form_app, page):
    page.goto("/_test/ticket-form")
    page.get_by_label("Description").fill("L'imprimante ne répond plus.")
    page.set_input_files("#attachments", files=[a_file("scan.pdf", 20_000)])
    problem = page.locator("[data-upload-problem]")
    problem.wait_for(state="visible")
    assert problem.inner_text() == "« scan.pdf » dépasse la limite de 9,8 ko par fichier."
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_timeout(300)
    assert form_app.received == []
    assert page.get_by_label("Description").input_value() == "L'imprimante ne répond plus."
    # Choosing a lighter file clears the message and lets the form go.
    page.set_input_files("#attachments", files=[a_file("scan.pdf", 1_000)])
    assert problem.is_hidden()
    page.get_by_role("button", name="Envoyer").click()
    page.locator("#received").wait_for()
    assert form_app.received == [("L'imprimante ne répond plus.", 1)]


@pytest.mark.settings(TICKET_ATTACHMENT_MAX_FILES=2)
def test_too_many_files_are_said_before_sending(form_app, page):
    page.goto("/_test/ticket-form")
    page.set_input_files("#attachments", files=[a_file(f"p{i}.pdf", 10) for i in range(3)])
    problem = page.locator("[data-upload-problem]")
    problem.wait_for(state="visible")
    assert problem.inner_text() == "Vous pouvez joindre 2 fichiers au plus à la fois."


@pytest.mark.settings(MAX_CONTENT_LENGTH=50_000)
def test_a_send_refused_as_too_large_keeps_the_form_as_typed(form_app, page):
    page.goto("/_test/ticket-form")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Description").fill("Écran noir depuis ce matin.")
    page.set_input_files("#attachments", files=[a_file("photo.pdf", 100_000)])
    page.get_by_role("button", name="Envoyer").click()
    problem = page.locator("[data-upload-problem]")
    problem.wait_for(state="visible")
    assert problem.inner_text().startswith("Envoi refusé : les fichiers sont trop volumineux")
    assert "Votre texte est conservé" in problem.inner_text()
    assert page.get_by_label("Description").input_value() == "Écran noir depuis ce matin."
    assert page.evaluate("window.__sameDocument") is True
    assert form_app.received == []
