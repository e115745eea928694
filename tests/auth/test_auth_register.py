"""Registration and e-mail verification, through HTTP."""

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.client import Client
from models.user import User
from services import accounts
from services.account_rules import is_common_password, password_problems
from tests.fixtures.accounts import get_user, link_in, page_text, sent_mails
from tests.fixtures.clock import made_ago
from tests.fixtures.database import count_rows
from tests.fixtures.users import PASSWORD


def registration(email="jean.dupont@example.fr", password=PASSWORD, **extra):
    data = {
        "email": email,
        "password": password,
        "password_confirm": password,
        "category": "particulier",
        "accept_privacy": "y",
    }
    data.update(extra)
    return data


# 14 characters that zxcvbn cannot guess: the length rules are tested apart from strength.
VARIED = "Tz8mQe3RkW5yHp"
ACCENTED = "éàèùâêîôûëïüçœ"


def register(client, **kwargs):
    return client.post("/auth/register", data=registration(**kwargs))


@pytest.mark.parametrize(
    "password,accepted",
    [
        pytest.param("Aa1!" + "x" * 13, False, id="17-characters"),
        pytest.param("Aa1!" + VARIED, True, id="18-characters"),
        pytest.param("Aa1!" + "x" * 14, False, id="18-characters-one-letter-padded"),
        pytest.param("aa1!" + "x" * 14, False, id="no-upper-case"),
        pytest.param("AA1!" + "X" * 14, False, id="no-lower-case"),
        pytest.param("Aab!" + "x" * 14, False, id="no-digit"),
        pytest.param("Aa12" + "x" * 14, False, id="no-special"),
        pytest.param("Aa1!" + ACCENTED, True, id="18-characters-with-accents"),
        pytest.param("Aa1!" + "é" * 13, False, id="17-characters-but-30-bytes"),
        pytest.param("Aa1\U0001f600" + VARIED, True, id="emoji-counts-as-one-special"),
        pytest.param("Aa1!" + ((VARIED + "-Lc6vNb") * 6)[:124], True, id="128-characters"),
        pytest.param("Aa1!" + "x" * 125, False, id="129-characters"),
        pytest.param("Iloveyou1234567890!", False, id="common-password-with-suffix"),
        pytest.param("Jean.Dupont-2026-Hyeres", False, id="contains-email-local-part"),
    ],
)
def test_password_rule_at_registration(app, client, password, accepted):
    response = register(client, password=password)
    created = count_rows(app, User, User.email_canonical == "jean.dupont@example.fr")
    if accepted:
        assert response.status_code == 303
        assert created == 1
    else:
        assert response.status_code == 422
        assert created == 0
        html = response.get_data(as_text=True)
        assert "Le mot de passe doit encore comporter" in html
        assert password not in html  # the typing is kept, never the password
        assert 'value="jean.dupont@example.fr"' in html


@pytest.mark.parametrize(
    "password,missing",
    [
        ("Aa1!" + "x" * 13, "au moins 18 caractères (encore 1)"),
        ("aa1!" + "x" * 14, "une lettre majuscule"),
        ("AA1!" + "X" * 14, "une lettre minuscule"),
        ("Aab!" + "x" * 14, "un chiffre"),
        ("Aa12" + "x" * 14, "un caractère spécial"),
        ("Aa1!" + "x" * 125, "au plus 128 caractères"),
        ("Password1234567890!", "ne pas être un mot de passe courant"),
        ("Marie.Curie-1867-Varsovie", "ne pas contenir votre adresse e-mail"),
    ],
)
def test_password_problems_names_what_is_missing(app, password, missing):
    with app.test_request_context():
        assert [str(p) for p in password_problems(password, "marie.curie@example.fr")] == [missing]


@pytest.mark.parametrize(
    "password,common",
    [
        ("password", True),
        ("PASSWORD", True),
        ("Azerty123456789!!", True),
        ("Soleil2026!!", True),
        ("Correct-Horse-Battery-42!", False),
        ("Ab1!", False),
    ],
)
def test_common_passwords_compared_without_case_and_suffix(password, common):
    assert is_common_password(password) is common


def test_live_password_check_lists_what_is_missing(client, htmx):
    response = client.post(
        "/auth/register/password-check",
        data={"password": "abc", "email": "jean@example.fr"},
        headers=htmx,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="password-rules"')
    assert "encore 15" in html and "une lettre majuscule" in html
    ok = client.post(
        "/auth/register/password-check", data={"password": PASSWORD}, headers=htmx
    ).get_data(as_text=True)
    assert "respecte la règle" in ok and "Il manque" not in ok


def test_registration_form_checks_the_password_while_typing(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert 'hx-post="/auth/register/password-check"' in html
    assert 'hx-trigger="input changed delay:400ms"' in html
    assert 'href="/confidentialite"' in html
    assert 'name="newsletter"' in html and "checked" not in html.split('name="newsletter"')[1][:40]


def test_registration_creates_an_unverified_client_with_its_choices(app, client):
    response = register(
        client, email="  Jean.Dupont@Example.FR ", category="association", newsletter="y"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "Jean.Dupont@example.fr"
        assert user.email_canonical == "jean.dupont@example.fr"
        assert user.email_verified_at is None
        assert user.password_hash.startswith("$argon2id$")
        assert user.client.category == "association"
        assert user.client.privacy_accepted_at is not None
        assert user.client.newsletter_consent is True
        assert user.client.newsletter_consent_at is not None
        actions = db.session.scalars(sa.select(ActivityLog.action)).all()
        assert "auth.register" in actions
    (mail,) = sent_mails(app, "verify_email")
    assert mail.recipient == "Jean.Dupont@example.fr"


def test_newsletter_consent_is_off_unless_ticked(app, client):
    register(client)
    with app.app_context():
        assert db.session.scalar(sa.select(Client.newsletter_consent)) is False


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("email", "pas-une-adresse", "adresse e-mail valide"),
        ("email", "jean@localhost", "adresse e-mail valide"),
        ("accept_privacy", "", "accepter la politique de confidentialité"),
        ("category", "entreprise", "Choisissez une catégorie de la liste."),
        ("password_confirm", "Autre-Mot-De-Passe-42!", "ne sont pas identiques"),
    ],
)
def test_registration_refuses_bad_input(app, client, field, value, message):
    response = client.post("/auth/register", data=registration(**{field: value}))
    assert response.status_code == 422
    assert count_rows(app, User) == 0
    assert message in page_text(response)


def test_an_address_is_registered_once_whatever_its_case(app, client, auth):
    auth.create_client("jean.dupont@example.fr")
    response = register(client, email="JEAN.Dupont@EXAMPLE.fr")
    assert response.status_code == 303  # the same answer as a new account
    assert count_rows(app, User) == 1
    (mail,) = sent_mails(app, "account_exists")
    assert mail.recipient == "jean.dupont@example.fr"
    assert sent_mails(app, "verify_email") == []


def test_unverified_account_is_told_and_offered_a_new_link(app, client, auth):
    register(client)
    response = auth.login("jean.dupont@example.fr", PASSWORD)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "pas encore confirmée" in html
    assert 'action="/auth/verify/resend"' in html
    response = client.post("/auth/verify/resend", data={"email": "jean.dupont@example.fr"})
    assert response.status_code == 303
    assert len(sent_mails(app, "verify_email")) == 2


def test_unverified_account_with_a_wrong_password_gets_the_common_answer(client, auth):
    register(client)
    html = auth.login("jean.dupont@example.fr", "Mauvais-Mot-De-Passe-1!").get_data(as_text=True)
    assert "pas encore confirmée" not in html
    assert "Adresse e-mail ou mot de passe incorrect." in html


def test_resend_says_the_same_for_an_unknown_address(app, client):
    response = client.post("/auth/verify/resend", data={"email": "inconnu@example.fr"})
    assert response.status_code == 303
    assert sent_mails(app) == []


def test_verification_link_activates_the_account(app, client, auth):
    register(client)
    (mail,) = sent_mails(app, "verify_email")
    response = client.get(link_in(mail))
    assert response.status_code == 302
    user_id = count_rows(app, User)
    assert user_id == 1
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_verified_at)) is not None
    assert auth.login("jean.dupont@example.fr", PASSWORD).status_code == 303


def test_verification_link_expires_after_48_hours(app, client):
    register(client)
    with app.test_request_context():
        user = db.session.scalar(sa.select(User))
        with made_ago(hours=47):
            fresh = accounts.verification_token(user)
        with made_ago(hours=49):
            stale = accounts.verification_token(user)
    html = client.get(f"/auth/verify/{stale}").get_data(as_text=True)
    assert "a expiré" in html
    assert get_user(app, user.id).email_verified_at is None
    assert client.get(f"/auth/verify/{fresh}").status_code == 302
    assert get_user(app, user.id).email_verified_at is not None


def test_altered_verification_link_is_refused(app, client):
    register(client)
    link = link_in(sent_mails(app, "verify_email")[0])
    assert "n'est pas valide" in page_text(client.get(link[:-3] + "abc"))
