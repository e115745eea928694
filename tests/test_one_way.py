"""One way to do each thing: one-button POSTs, CSRF fields, imports from the real module."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import csrf_token_from, make_user
from tests.fixtures.accounts import get_user

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("blueprints", "commands", "models", "services")
RAW_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"')


def test_templates_write_the_csrf_token_with_the_form_or_the_macro():
    raw = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if path.name != "_macros.html" and RAW_CSRF_INPUT.search(path.read_text())
    ]
    assert raw == [], "write {{ form.hidden_tag() }} or {{ csrf_field() }} (_macros.html)"


def test_nothing_is_re_exported_under_noqa():
    """An unused import kept with ``noqa: F401`` only where an area loads its route modules."""
    kept = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "F401" in line and not (
                    path.name == "__init__.py" and line.startswith(f"from {package}.")
                ):
                    kept.append(f"{path.relative_to(ROOT)}:{number}")
    assert kept == [], "import the name from the module that defines it"


def test_one_form_class_for_one_button_posts():
    found = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"^class (EmptyForm|ActionForm)\b", path.read_text(), re.MULTILINE)
    ]
    assert found == ["services/forms.py"]


def test_a_one_button_post_passes_with_the_token_of_its_page(app, admin_client):
    user_id = make_user(app, "marie@example.fr")
    app.config["WTF_CSRF_ENABLED"] = True  # after the login, which the helpers post without one
    url = f"/admin/users/{user_id}/disable"
    assert admin_client.post(url).status_code == 400
    page = admin_client.get("/admin/users").get_data(as_text=True)
    form = page[page.index(f'action="{url}"') :]
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(form)})
    assert response.status_code == 303
    assert get_user(app, user_id).is_enabled is False
