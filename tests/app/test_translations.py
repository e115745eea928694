"""English: a complete catalogue that keeps placeholders, and pages and mails that really speak it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

from models import db
from models.user import User
from tests.fixtures.accounts import page_text, sent_mails
from tests.fixtures.translations import TRANSLATIONS, compile_catalogues
from tests.fixtures.users import PASSWORD

ROOT = TRANSLATIONS.parent
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
# What `make translations-extract` leaves out of the extraction.
NOT_EXTRACTED = {".venv", "tests", "bench", "migrations", ".git", "instance"}
# Named placeholders (%(name)s), bare ones (%s) and HTML tags must survive the translation.
MARKERS = re.compile(r"%\(\w+\)[sdif]|%[sdif]|</?[a-z][^>]*>")


def read_catalog(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def forms(message) -> tuple[str, ...]:
    """The singular and plural forms of a message id or string, as a tuple."""
    return message if isinstance(message, tuple | list) else (message,)


def markers(text: str) -> list[str]:
    return sorted(MARKERS.findall(text))


# --- The catalogue -------------------------------------------------------------------------


def test_every_message_of_the_template_has_an_english_translation():
    english = read_catalog(PO)
    missing = []
    for message in read_catalog(POT):
        if not message.id:
            continue
        translated = english.get(message.id)
        if (
            translated is None
            or translated.fuzzy
            or not all(s.strip() for s in forms(translated.string))
            or len(forms(translated.string)) != len(forms(message.id))
        ):
            missing.append(message.id)
    assert missing == [], f"{len(missing)} untranslated, run make translations-extract: {missing}"


def test_translations_keep_the_placeholders_and_markup_of_their_message():
    mismatches = []
    for message in read_catalog(PO):
        if not message.id or not message.string:
            continue
        # Each plural form keeps the placeholders of the msgid_plural (English has two forms).
        sources = forms(message.id)
        for index, translated in enumerate(forms(message.string)):
            source = sources[min(index, len(sources) - 1)]
            if markers(source) != markers(translated):
                mismatches.append((source, translated))
    assert mismatches == []


def test_the_template_holds_every_string_the_code_marks_for_translation():
    """A string wrapped in ``_()`` but never extracted would stay French in English pages."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

    def extracted_directory(path: str) -> bool:
        return Path(path).name not in NOT_EXTRACTED

    in_code = {
        message
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords, directory_filter=extracted_directory
        )
    }
    in_code = {tuple(m) if isinstance(m, tuple | list) else m for m in in_code}
    in_template = {m.id for m in read_catalog(POT) if m.id}
    assert in_code - in_template == set(), "run make translations-extract"


def test_a_missing_or_older_catalogue_is_compiled(tmp_path):
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(PO, folder / "messages.po")
    assert compile_catalogues(tmp_path) == [folder / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # up to date: left alone
    english = Translations.load(str(tmp_path), ["en"])
    assert english.gettext("Mot de passe oublié ?") == "Forgotten your password?"


# --- Pages and mails in English ---------------------------------------------------------------

EN = {"Accept-Language": "en-GB,en;q=0.9"}
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


def assert_speaks(response, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
    text = page_text(response)
    assert response.status_code == 200, response.status_code
    for words in present:
        assert words in text, words
    for words in absent:
        assert words not in text, words


PUBLIC_PAGES = [
    # path, English words, French words of the same page
    ("/", ("Your Client Area", "Create an account", "Legal notice"), ("Votre Espace Client", "Créer un compte", "Mentions légales")),
    ("/auth/login", ("Sign in to your Client Area", "Forgotten your password?"), ("Connexion à votre Espace Client", "Mot de passe oublié")),
    ("/auth/register", ("Create your Client Area", "Create my account", "Confirm password"), ("Créer votre Espace Client", "Créer mon compte", "Confirmation du mot de passe")),
    ("/confidentialite", ("Your rights", "When they are deleted", "Who processes your data"), ("Vos droits", "Quand elles sont supprimées", "Qui traite vos données")),
    ("/mentions-legales", ("Publisher", "Hosting"), ("Éditeur", "Hébergement")),
]  # fmt: skip


@pytest.mark.parametrize("path,english,french", PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_pages_speak_the_language_of_the_browser(client, path, english, french):
    assert_speaks(client.get(path, headers=FR), present=french, absent=english)
    assert_speaks(client.get(path, headers=EN), present=english, absent=french)


def test_the_page_not_found_speaks_english(client):
    response = client.get("/nulle-part", headers=EN)
    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert "Page introuvable" not in page_text(response)


CLIENT_PAGES = [
    ("/account", ("Dashboard", "My profile", "Sign out"), ("Tableau de bord", "Mon profil", "Se déconnecter")),
    ("/account/profile", ("Change history", "Identity"), ("Historique des modifications", "Identité")),
    ("/auth/security", ("Account security", "Change password"), ("Sécurité du compte", "Changer le mot de passe")),
]  # fmt: skip


@pytest.mark.parametrize("path,english,french", CLIENT_PAGES, ids=[p[0] for p in CLIENT_PAGES])
def test_client_pages_speak_english(client, auth, path, english, french):
    auth.create_client()
    auth.login()
    assert_speaks(client.get(path, headers=FR), present=french, absent=english)
    assert_speaks(client.get(path, headers=EN), present=english, absent=french)


ADMIN_PAGES = [
    ("/admin", ("What needs your attention today.", "Activity log"), ("Ce qui demande votre attention", "Journal d'activité")),
    ("/admin/users", ("Create an administrator", "Role"), ("Créer un administrateur", "Rôle")),
    ("/admin/clients/new", ("Create and invite", "Client category"), ("Créer et inviter", "Catégorie de client")),
]  # fmt: skip


@pytest.mark.parametrize("path,english,french", ADMIN_PAGES, ids=[p[0] for p in ADMIN_PAGES])
def test_admin_pages_speak_english(client, auth, path, english, french):
    auth.create_admin(enrolled=True)
    assert auth.login("admin@example.fr", totp=True).status_code == 303
    assert_speaks(client.get(path, headers=FR), present=french, absent=english)
    assert_speaks(client.get(path, headers=EN), present=english, absent=french)


def test_invalid_form_answers_in_english(client):
    response = client.post(
        "/auth/register", data={"email": "jean@example.fr", "password": "court"}, headers=EN
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "You must accept the privacy policy." in text
    assert "politique de confidentialité" not in text


def test_the_language_stored_on_the_account_wins_over_the_browser(app, client, auth):
    user_id = auth.create_client()
    with app.app_context():
        db.session.get(User, user_id).locale = "en"
        db.session.commit()
    auth.login()
    assert_speaks(client.get("/account", headers=FR), ("Dashboard",), ("Tableau de bord",))


def test_registration_keeps_the_language_read_and_mails_in_it(app, client):
    data = {
        "email": "john@example.co.uk",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "category": "particulier",
        "accept_privacy": "y",
    }
    assert client.post("/auth/register", data=data, headers=EN).status_code == 303
    (mail,) = sent_mails(app, "verify_email")
    assert mail.subject == "Confirm your email address"
    assert "You have just created your Client Area" in mail.body_text
    assert "Bonjour" not in mail.body_text


def test_a_mail_is_written_in_the_recipient_language_not_the_sender(app, client, auth):
    """A French-speaking admin sends a reset link to an English-speaking client."""
    user_id = auth.create_client("john@example.co.uk")
    with app.app_context():
        db.session.get(User, user_id).locale = "en"
        db.session.commit()
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)
    response = client.post(f"/admin/users/{user_id}/reset-link", headers=FR)
    assert response.status_code == 303
    (mail,) = sent_mails(app, "reset_password", to="john@example.co.uk")
    assert mail.subject == "Reset your password"
    assert "An administrator is sending you a link" in mail.body_text
    assert "Bonjour" not in mail.body_text + mail.body_html
