"""Changes of the second factor are guarded and mailed; an address change ends other sessions."""

import re

import pyotp
import pytest

from models.recovery_code import RecoveryCode
from tests.fixtures.accounts import get_user, link_in, page_text, sent_mails
from tests.fixtures.database import count_rows
from tests.fixtures.totp import TEST_TOTP_SECRET, enrol, fresh_code
from tests.fixtures.users import PASSWORD

NEW_SECRET_PATTERN = re.compile(r'<code id="totp-key" class="totp-key">([A-Z2-7 ]+)</code>')


def new_key(client) -> str:
    """The key offered on the enrolment page (the same across reloads of the page)."""
    html = client.get("/auth/totp/enroll").get_data(as_text=True)
    return NEW_SECRET_PATTERN.search(html).group(1).replace(" ", "")


def codes_on_page(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})</code></li>", html)


def second_factor_mails(app, email="client@example.fr") -> list[str]:
    """The subjects of the second-factor mails sent to ``email``, oldest first."""
    return [m.subject for m in sent_mails(app, "second_factor_changed", to=email)]


@pytest.fixture
def enrolled_client(app, client, auth):
    """A client with the test key enrolled, logged in with password and code; its id."""
    user_id = auth.create_client()
    enrol(app, user_id)
    assert auth.login(totp=True).status_code == 303
    return user_id


def recovery_codes_of(app, client, user_id) -> list[str]:
    """Replace the client's recovery codes through the page; the new clear codes."""
    code = fresh_code(app, user_id, TEST_TOTP_SECRET)
    assert client.post("/auth/totp/recovery-codes", data={"code": code}).status_code == 303
    return codes_on_page(client.get("/auth/totp/recovery-codes").get_data(as_text=True))


# Replacing the key -------------------------------------------------------------------------


def test_replacing_the_key_needs_a_code_of_the_current_one(app, client, enrolled_client):
    secret = new_key(client)
    page = page_text(client.get("/auth/totp/enroll"))
    assert "Code de votre application actuelle, ou code de secours" in page

    response = client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 422
    assert "Saisissez un code de votre application actuelle" in page_text(response)
    response = client.post(
        "/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now(), "current_code": "123456"}
    )
    assert response.status_code == 422
    assert "Code incorrect" in page_text(response)
    user = get_user(app, enrolled_client)
    assert user.totp_secret_encrypted is not None
    assert second_factor_mails(app) == []

    current = fresh_code(app, enrolled_client, TEST_TOTP_SECRET)
    response = client.post(
        "/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now(), "current_code": current}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/auth/totp/recovery-codes")
    assert second_factor_mails(app) == ["Double authentification : nouvelle clé enregistrée"]
    (mail,) = sent_mails(app, "second_factor_changed")
    assert "Une nouvelle clé de double authentification vient d'être enregistrée" in (
        mail.body_text
    )
    assert "/auth/reset" in link_in(mail)


def test_a_wrong_new_code_does_not_spend_the_recovery_code(app, client, enrolled_client):
    recovery = recovery_codes_of(app, client, enrolled_client)
    secret = new_key(client)
    response = client.post(
        "/auth/totp/enroll", data={"code": "000000", "current_code": recovery[0]}
    )
    assert response.status_code == 422
    assert count_rows(app, RecoveryCode, RecoveryCode.used_at.is_(None)) == 10
    response = client.post(
        "/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now(), "current_code": recovery[0]}
    )
    assert response.status_code == 303  # a lost phone: a recovery code replaces the key


@pytest.mark.settings(TOTP_MAX_FAILURES=3)
def test_guessing_the_current_code_stops_after_a_few_tries(app, client, enrolled_client):
    secret = new_key(client)
    for _ in range(3):
        client.post(
            "/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now(), "current_code": "111111"}
        )
    current = fresh_code(app, enrolled_client, TEST_TOTP_SECRET)
    response = client.post(
        "/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now(), "current_code": current}
    )
    assert response.status_code == 422
    assert "Trop de codes erronés" in page_text(response)


# Enabling, disabling, new recovery codes ---------------------------------------------------


def test_turning_the_second_factor_on_mails_the_owner(app, client, auth):
    auth.create_client()
    auth.login()
    secret = new_key(client)
    response = client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303  # nothing to prove: there was no second factor
    assert second_factor_mails(app) == ["Double authentification activée"]


def test_an_admin_enrolling_at_first_login_is_mailed(app, client, auth):
    auth.create_admin()
    client.post("/auth/login", data={"email": "admin@example.fr", "password": PASSWORD})
    secret = new_key(client)
    client.post("/auth/totp/enroll", data={"code": pyotp.TOTP(secret).now()})
    assert second_factor_mails(app, "admin@example.fr") == ["Double authentification activée"]


@pytest.mark.parametrize("proof", ["totp", "recovery"])
def test_turning_it_off_takes_a_code_or_a_recovery_code_and_is_mailed(
    app, client, enrolled_client, proof
):
    recovery = recovery_codes_of(app, client, enrolled_client)
    assert client.post("/auth/totp/disable", data={"code": "654321"}).status_code == 422
    assert get_user(app, enrolled_client).totp_secret_encrypted is not None
    code = fresh_code(app, enrolled_client, TEST_TOTP_SECRET) if proof == "totp" else recovery[3]
    response = client.post("/auth/totp/disable", data={"code": code})
    assert response.status_code == 303
    assert get_user(app, enrolled_client).totp_secret_encrypted is None
    assert second_factor_mails(app) == [
        "Double authentification : nouveaux codes de secours",
        "Double authentification désactivée",
    ]


def test_new_recovery_codes_are_mailed(app, client, enrolled_client):
    recovery_codes_of(app, client, enrolled_client)
    (mail,) = sent_mails(app, "second_factor_changed")
    assert "De nouveaux codes de secours viennent d'être générés" in mail.body_text
    assert not re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", mail.body_text)  # never the codes


# Address change ----------------------------------------------------------------------------


def confirm_new_address(app, client) -> str:
    client.post(
        "/auth/security/email",
        data={"new_email": "nouvelle@example.fr", "current_password": PASSWORD},
    )
    (mail,) = sent_mails(app, "email_change_confirm")
    return link_in(mail)


def test_changing_the_address_ends_the_other_sessions_but_keeps_this_one(app, client, auth):
    auth.create_client()
    auth.login()
    other = app.test_client()
    other.post("/auth/login", data={"email": "client@example.fr", "password": PASSWORD})
    assert other.get("/account").status_code == 200
    response = client.get(confirm_new_address(app, client))
    assert response.status_code == 302 and response.headers["Location"] == "/auth/security"
    assert "Vos autres sessions sont fermées" in page_text(client.get("/auth/security"))
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_a_link_opened_elsewhere_ends_every_session(app, client, auth):
    auth.create_client()
    auth.login()
    link = confirm_new_address(app, client)
    response = app.test_client().get(link)  # the mailbox, read on another device
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/account").status_code == 302
