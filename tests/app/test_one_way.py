"""One way to do each recurring job: the code finds one helper, never a second spelling.

Read from the source tree, so that a new area that copies an old pattern fails here the day it
is written rather than drifting from the others.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from services.activity import CLIENT_VIEWED
from tests.fixtures.accounts import get_user
from tests.fixtures.config import ROOT
from tests.fixtures.devices import client_id_of
from tests.fixtures.http import csrf_token_from
from tests.fixtures.users import make_user
from web.forms import render_form

PACKAGES = ("blueprints", "commands", "models", "services", "web")
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
    assert found == ["web/forms.py"]


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


CODE = sorted(
    path for folder in ("blueprints", "services", "web") for path in (ROOT / folder).rglob("*.py")
)


def where(pattern: str, paths=CODE) -> list[str]:
    """The files (relative to the project) whose text matches ``pattern``."""
    return [
        path.relative_to(ROOT).as_posix()
        for path in paths
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]


def test_texts_are_translated_through_services_i18n_only():
    """Flask-Babel's own calls find the catalogue anew each time, and would not see the one
    services.i18n keeps (nor its force_locale)."""
    every = sorted(
        path
        for folder in ("blueprints", "commands", "models", "services", "web")
        for path in (ROOT / folder).rglob("*.py")
    )
    names = "gettext|ngettext|lazy_gettext|force_locale|format_currency"
    direct = rf"from flask_babel import[^\n]*\b({names})\b"
    assert where(direct, every) == []


def test_the_status_of_a_sent_form_is_decided_in_render_form_only():
    assert where(r"422 if |status = 422") == ["web/forms.py"]


def test_an_admin_view_of_a_client_is_logged_through_log_admin_view_only():
    assert where(r"(?<!def )\blog_client_viewed\(") == ["web/access.py"]


def test_template_filters_and_globals_are_registered_by_their_area_blueprint():
    registering = where(r"app_template_(filter|global)")
    assert registering, "no area registers a template filter any more?"
    assert all(path.endswith("/__init__.py") for path in registering), registering


def form_classes(path: Path) -> list[str]:
    """Classes of ``path`` derived from a class whose name ends in ``Form``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(
            getattr(base, "id", getattr(base, "attr", "")).endswith("Form") for base in node.bases
        )
    ]


def test_forms_live_in_forms_modules():
    """An area's forms are in its forms.py; the profile's in the web module beside its editor."""
    misplaced = {
        path.relative_to(ROOT).as_posix(): names
        for path in CODE
        if not path.name.endswith("forms.py") and (names := form_classes(path))
    }
    assert misplaced == {}


def test_the_profile_service_knows_nothing_of_forms():
    assert where(r"wtforms|flask_wtf|Form\b", [ROOT / "services/profile.py"]) == []


def test_deletion_and_cancellation_are_confirmed_one_way():
    """data-confirm (static/js/app.js) works for boosted and htmx forms under the strict CSP."""
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert where(r"hx-confirm", templates) == []
    assert where(r"data-confirm", templates)


@pytest.mark.parametrize(
    "action", ["new_device", "edit_device", "delete_device", "reveal_serial", "reveal_licence_key"]
)
def test_a_client_action_and_its_admin_twin_are_one_view(app, action):
    """Registered twice, with each side's access rule around the same function."""
    for_the_client = app.view_functions[f"devices.account_{action}"]
    for_an_admin = app.view_functions[f"devices.admin_{action}"]
    assert for_the_client is not for_an_admin
    assert inspect.unwrap(for_the_client) is inspect.unwrap(for_an_admin)


# ---------------------------------------------------------------- the helpers themselves


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("POST", 422)])
def test_render_form_answers_422_once_the_form_was_sent(app, method, status):
    from blueprints.admin.forms import NewAdminForm

    with app.test_request_context("/admin/users/new", method=method):
        body, answered = render_form("admin/users/new.html", NewAdminForm())
    assert answered == status
    assert 'name="email"' in body


def client_views(app) -> list[ActivityLog]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ActivityLog).where(ActivityLog.action == CLIENT_VIEWED)
        ).all()
        db.session.expunge_all()
        return rows


def test_a_form_sent_back_is_not_a_second_view_of_the_client(app, client, auth):
    """Opening an admin form about a client logs one view; sending it with errors, none more."""
    client_id = client_id_of(app, auth.create_client())
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    url = f"/admin/clients/{client_id}/devices/new"
    assert client.get(url).status_code == 200
    assert len(client_views(app)) == 1
    assert client.post(url, data={"name": ""}).status_code == 422
    views = client_views(app)
    assert [(v.target_id, v.detail) for v in views] == [(client_id, "section=devices")]


# ---------------------------------------------------------------- which layer imports which

# What only a request has: a domain service that used one could not run from cron or a command.
REQUEST_OBJECTS = {"request", "render_template", "flash", "redirect", "session", "g"}


def imported(path: Path) -> list[tuple[str, str | None]]:
    """``(module, name)`` of every import in ``path``, lazy ones inside functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def blueprint_of(module: str) -> str | None:
    """The area a dotted module name belongs to (``blueprints.admin.forms`` -> ``admin``)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "blueprints" and len(parts) > 1 else None


def test_no_blueprint_imports_another_blueprint():
    """What two areas share is a service (domain) or a web module (plumbing), never an area."""
    crossing = []
    for path in sorted((ROOT / "blueprints").rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        own = parts[1] if len(parts) > 2 else None  # blueprints/__init__.py registers them all
        if own is None:
            continue
        for module, name in imported(path):
            target = blueprint_of(module) or (
                name if module == "blueprints" and name != "register_blueprints" else None
            )
            if target and target != own:
                crossing.append(f"{path.relative_to(ROOT)}: {module} {name or ''}".strip())
    assert crossing == []


def test_domain_services_never_touch_the_request():
    """services/ runs from a request, cron or a command alike: the request is web/'s business."""
    touching = [
        f"{path.relative_to(ROOT)}: {module}.{name}"
        if name
        else f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "services").rglob("*.py"))
        for module, name in imported(path)
        if (module == "flask" and name in REQUEST_OBJECTS)
        or module.split(".")[0] in {"web", "blueprints"}
    ]
    # The one exception: the translation catalogue kept on ``g``, which belongs to the
    # application context that cron jobs and commands have too (services/i18n.py).
    assert touching == ["services/i18n.py: flask.g"]


def test_the_web_layer_imports_no_area():
    """An area plugs into web/ through ``app.extensions`` (see web/sessions.py PENDING_STEP)."""
    importing = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "web").rglob("*.py"))
        for module, _name in imported(path)
        if module.split(".")[0] == "blueprints"
    ]
    assert importing == []


def test_the_import_checks_see_what_they_look_for(tmp_path):
    """The parser finds top-level and lazy imports alike (else the two tests above pass on air)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from flask import request\n"
        "import blueprints.auth.rules\n"
        "def f():\n"
        "    from blueprints.admin import forms\n"
    )
    assert imported(sample) == [
        ("flask", "request"),
        ("blueprints.auth.rules", None),
        ("blueprints.admin", "forms"),
    ]
    assert [blueprint_of(module) for module, _ in imported(sample)] == [None, "auth", "admin"]


# ---------------------------------------------------------------- one rule, one look-up


def test_an_account_is_looked_up_by_address_in_one_place():
    """``accounts.find_account``: trimmed, case-insensitive, the same for every caller."""
    paths = CODE + sorted((ROOT / "commands").rglob("*.py"))
    assert where(r"email_canonical ==", paths) == ["services/accounts.py"]


def test_every_address_field_that_writes_an_account_checks_it_with_valid_email(app):
    """One e-mail rule (web.forms.ValidEmail); the login and reset forms take anything typed."""
    from wtforms import EmailField
    from wtforms.validators import Email

    from blueprints.admin.forms import NewAdminForm, NewClientForm
    from blueprints.auth.forms import ChangeEmailForm, RegistrationForm
    from web.forms import ValidEmail

    with app.test_request_context():
        for form_class in (NewClientForm, NewAdminForm, RegistrationForm, ChangeEmailForm):
            fields = [field for field in form_class() if isinstance(field, EmailField)]
            assert fields, form_class
            for field in fields:
                kinds = [type(v) for v in field.validators]
                assert ValidEmail in kinds and Email not in kinds, (form_class, field.name)
    assert where(r"validators import[^\n]*\bEmail\b|\bEmail\(") == []


def test_every_link_sent_by_mail_is_signed_by_the_tokens_service():
    """Invitations, resets, verifications: one mechanism (purpose, salt, lifetime, errors)."""
    assert where(r"URLSafeTimedSerializer|TimestampSigner|itsdangerous") == ["services/tokens.py"]


def test_the_client_invitation_lifetime_is_a_declared_setting():
    import settings

    assert settings.Defaults.INVITATION_MAX_AGE_DAYS == 7
