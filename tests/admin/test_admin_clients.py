"""The admin's clients: live search, keyset pagination, client page, client created by an admin."""

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from models import db
from models.activity import ActivityLog
from models.client import Client
from models.mail import OutboxMail
from models.user import User
from services import client_search
from services.invitations import create_client_on_behalf
from tests.fixtures.accounts import sent_mails
from tests.fixtures.config import TEST_SECRET_KEY
from tests.fixtures.database import count_rows
from tests.fixtures.http import HTMX
from web import dashboard

CLIENTS = [
    dict(
        email="helene.moreau@example.fr",
        last_name="Moreau",
        first_name="Hélène",
        phone="+33612345678",
        city="Hyères",
    ),
    dict(
        email="contact@durand.example.fr",
        category="professionnel",
        last_name="Durand",
        first_name="Paul",
        company_name="Cabinet Durand SARL",
        trade_name="Expertise Côte d'Azur",
        phone="+33494000000",
        siret="73282932000074",
    ),
    dict(
        email="john.smith@example.co.uk",
        last_name="Smith",
        first_name="John",
        phone="+442079460958",
    ),
]


@pytest.fixture
def admin(auth):
    auth.create_admin(enrolled=True)
    auth.login(email="admin@example.fr", totp=True)
    return auth


@pytest.fixture
def three_clients(app, auth):
    for fields in CLIENTS:
        auth.create_client(**fields)


def client_id(app, last_name):
    with app.app_context():
        return db.session.scalar(sa.select(Client.id).where(Client.last_name == last_name))


def names_found(client, query):
    response = client.get("/admin/clients", query_string={"q": query}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {c["last_name"] for c in CLIENTS if c["email"] in html}


def test_client_list_page_has_a_live_search(client, admin, three_clients):
    response = client.get("/admin/clients")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert all(c["email"] in html for c in CLIENTS)
    assert "06 12 34 56 78" in html and "+44 20 7946 0958" in html


def test_client_list_fragment_is_the_results_only(client, admin, three_clients):
    response = client.get("/admin/clients?q=moreau", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith('<div id="client-results"')


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("moreau", {"Moreau"}),
        ("MOR", {"Moreau"}),
        ("helene", {"Moreau"}),
        ("Hélène Mor", {"Moreau"}),
        ("paul durand", {"Durand"}),
        ("paul moreau", set()),
        ("cabinet", {"Durand"}),
        ("cote d'azur", {"Durand"}),
        ("john.smith@", {"Smith"}),
        ("contact@durand.example.fr", {"Durand"}),
        ("06 12 34 56 78", {"Moreau"}),
        ("0612", {"Moreau"}),
        ("+33 6 12 34", {"Moreau"}),
        ("0033612345678", {"Moreau"}),
        ("04.94", {"Durand"}),
        ("+44 20 7946", {"Smith"}),
        ("732 829 320", {"Durand"}),
        ("73282932000074", {"Durand"}),
        ("zzz", set()),
    ],
)
def test_admin_search_by_name_email_company_phone_and_siren(
    client, admin, three_clients, query, found
):
    assert names_found(client, query) == found


def test_search_follows_profile_and_email_changes(app, client, admin, three_clients):
    with app.app_context():
        moreau = db.session.scalar(sa.select(Client).where(Client.last_name == "Moreau"))
        moreau.last_name = "Lefebvre"
        moreau.user.email = "h.lefebvre@example.fr"
        db.session.commit()
    html = client.get("/admin/clients?q=lefebvre", headers=HTMX).get_data(as_text=True)
    assert "h.lefebvre@example.fr" in html
    assert "h.lefebvre" not in client.get("/admin/clients?q=moreau").get_data(as_text=True)
    assert "h.lefebvre" in client.get("/admin/clients?q=h.lefebvre@").get_data(as_text=True)


def test_other_areas_extend_the_search(app, client, admin, three_clients, monkeypatch):
    smith = client_id(app, "Smith")

    def by_serial(text):
        return sa.select(sa.literal(smith)) if text == "SN-42" else None

    monkeypatch.setitem(app.extensions, client_search.EXTENSION, [])
    client_search.register_search_extension(app, by_serial)
    assert names_found(client, "SN-42") == {"Smith"}
    assert names_found(client, "moreau") == {"Moreau"}


@pytest.mark.settings(PAGE_SIZE=4)
def test_client_list_is_paginated_by_keyset(app, client, admin, auth):
    for n in range(10):
        auth.create_client(email=f"c{n}@example.fr", last_name=f"Nom{n:02d}", first_name="A")
    seen, url, pages = [], "/admin/clients", 0
    while url:
        html = client.get(url, headers=HTMX).get_data(as_text=True)
        seen += re.findall(r"Nom\d\d", html)
        more = re.search(r'href="(/admin/clients\?after=\d+)"', html)
        url = more.group(1).replace("&amp;", "&") if more else None
        pages += 1
    assert pages == 3
    assert seen == [f"Nom{n:02d}" for n in range(10)]


@pytest.mark.settings(PAGE_SIZE=1)
def test_search_pagination_keeps_the_query(client, admin, three_clients):
    html = client.get("/admin/clients?q=%2B33", headers=HTMX).get_data(as_text=True)
    assert re.search(r'href="/admin/clients\?q=%2B33&amp;after=\d+"', html)


def test_empty_states(client, admin):
    assert "Aucun client pour l'instant" in client.get("/admin/clients").get_data(as_text=True)
    html = client.get("/admin/clients?q=personne", headers=HTMX).get_data(as_text=True)
    assert "Aucun client ne correspond" in html


def test_client_page_shows_every_section_and_logs_the_view(app, client, admin, three_clients):
    durand = client_id(app, "Durand")
    response = client.get(f"/admin/clients/{durand}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for section in ("identity", "contact", "company"):
        assert f'id="profile-{section}"' in html
    assert "Cabinet Durand SARL" in html and "73282932000074" in html
    assert "/account/profile" not in html  # the admin's own editor, not the client's
    assert f'hx-get="/admin/clients/{durand}/company/edit"' in html
    with app.app_context():
        entry = db.session.scalar(
            sa.select(ActivityLog).where(ActivityLog.action == "admin.client_viewed")
        )
        admin_id = db.session.scalar(sa.select(User.id).where(User.role == "admin"))
    assert (entry.target_type, entry.target_id, entry.actor_id) == ("client", durand, admin_id)


def test_client_page_renders_panels_plugged_in_by_other_areas(
    app, client, admin, three_clients, monkeypatch
):
    monkeypatch.setitem(app.extensions[dashboard.EXTENSION], "admin_client", {})
    dashboard.register_panel(
        app,
        "admin_client",
        "devices",
        "admin/_panel_clients.html",
        lambda client, admin: {"total": client.id * 1000, "pending": 0},
    )
    durand = client_id(app, "Durand")
    html = client.get(f"/admin/clients/{durand}").get_data(as_text=True)
    assert f"{durand * 1000}" in html.replace("\u202f", "").replace(" ", "")


def test_unknown_client_is_404(client, admin):
    assert client.get("/admin/clients/999999").status_code == 404


@pytest.mark.parametrize("headers", [{}, HTMX])
@pytest.mark.parametrize("path", ["", "/{id}", "/new", "/{id}/contact", "/{id}/contact/edit"])
def test_clients_never_reach_the_admin_client_pages(app, client, auth, path, headers):
    auth.create_client(email="autre@example.fr", last_name="Autre")
    auth.create_client()
    auth.login()
    other = client_id(app, "Autre")
    url = "/admin/clients" + path.format(id=other)
    assert client.get(url, headers=headers).status_code == 404
    assert client.post(f"/admin/clients/{other}/invitation", headers=headers).status_code == 404
    edit = client.post(f"/admin/clients/{other}/contact/edit", data={"city": "X"}, headers=headers)
    assert edit.status_code == 404


def test_admin_home_shows_the_clients_panel(client, admin, three_clients):
    html = client.get("/admin").get_data(as_text=True)
    assert 'id="panel-clients"' in html and "3 clients" in html


NEW = {
    "category": "particulier",
    "email": "Nouveau.Client@Example.FR",
    "last_name": "Nouveau",
    "first_name": "Client",
    "company_name": "",
}


def invitation_link(app) -> str:
    (mail,) = sent_mails(app, "client_invitation")
    assert "7 jours" in mail.body_text
    return re.search(r"http://localhost(/account/invitation/\S+)", mail.body_text).group(1)


def test_creating_a_client_makes_an_account_without_password_and_mails_an_invitation(
    app, client, admin
):
    response = client.post("/admin/clients/new", data=NEW)
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email_canonical == "nouveau.client@example.fr")
        )
        assert user.password_hash is None and user.email_verified_at is None
        assert user.email == "Nouveau.Client@example.fr"
        assert response.headers["Location"] == f"/admin/clients/{user.client.id}"
        actions = set(db.session.scalars(sa.select(ActivityLog.action)))
    (mail,) = sent_mails(app)
    assert (
        mail.recipient == "Nouveau.Client@example.fr" and "Bonjour Client Nouveau" in mail.body_text
    )
    assert {"admin.client_created", "account.invitation_sent"} <= actions
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "mot de passe pas encore choisi" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "pas-une-adresse"}, "adresse e-mail valide"),
        ({"email": "jean@localhost"}, "adresse e-mail valide"),
        ({"email": "ADMIN@example.fr"}, "existe déjà"),
        ({"last_name": ""}, "obligatoire"),
        ({"category": "professionnel"}, "raison sociale est obligatoire"),
    ],
)
def test_creating_a_client_with_bad_input_is_refused(app, client, admin, change, message):
    response = client.post("/admin/clients/new", data=dict(NEW, **change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'value="Client"' in html
    assert count_rows(app, Client) == 0 and count_rows(app, OutboxMail) == 0


def test_invitation_end_to_end(app, client, admin, auth):
    client.post("/admin/clients/new", data=NEW)
    auth.logout()
    link = invitation_link(app)
    page = client.get(link)
    assert page.status_code == 200 and "Nouveau.Client@example.fr" in page.get_data(as_text=True)
    weak = client.post(link, data={"password": "court", "confirm": "court"})
    assert weak.status_code == 422 and "au moins 18 caractères" in weak.get_data(as_text=True)
    assert 'value="court"' not in weak.get_data(as_text=True)
    password = "Un-Mot-De-Passe-Solide-2026!"
    mismatch = client.post(link, data={"password": password, "confirm": password + "x"})
    assert mismatch.status_code == 422 and "pas identiques" in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": password, "confirm": password})
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # logged in
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == "client"))
        assert user.password_hash and user.email_verified_at is not None
    assert client.get(link).status_code == 404  # single use
    auth.logout()
    assert client.get(link).status_code == 404
    login = auth.login(email="nouveau.client@example.fr", password=password)
    assert login.status_code in (302, 303) and login.headers["Location"] == "/account"


class EightDaysAgo(TimestampSigner):
    """Signs as if it were eight days ago."""

    def get_timestamp(self):
        return int(time.time() - timedelta(days=8).total_seconds())


def test_altered_or_expired_invitation_is_refused(app, client, admin):
    client.post("/admin/clients/new", data=NEW)
    link = invitation_link(app)
    assert client.get(link[:-3] + "abc").status_code == 404
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == "client"))
        old = URLSafeTimedSerializer(TEST_SECRET_KEY, salt="client-invitation", signer=EightDaysAgo)
        token = old.dumps({"user": user.id, "email": user.email_canonical})
        fresh = URLSafeTimedSerializer(TEST_SECRET_KEY, salt="client-invitation").dumps(
            {"user": user.id, "email": user.email_canonical}
        )
    assert client.get(f"/account/invitation/{fresh}").status_code == 200
    response = client.get(f"/account/invitation/{token}")
    assert response.status_code == 404 and "plus valable" in response.get_data(as_text=True)


def test_invitation_can_be_sent_again(app, client, admin):
    client.post("/admin/clients/new", data=NEW)
    cid = client_id(app, "Nouveau")
    response = client.post(f"/admin/clients/{cid}/invitation")
    assert response.status_code == 303
    assert count_rows(app, OutboxMail) == 2


def test_admin_edits_a_section_on_the_clients_behalf(app, client, admin, auth, three_clients):
    moreau = client_id(app, "Moreau")
    form = client.get(f"/admin/clients/{moreau}/contact/edit", headers=HTMX)
    assert form.status_code == 200 and "data-editor" in form.get_data(as_text=True)
    assert "HX-Request" in form.headers["Vary"]
    bad = client.post(
        f"/admin/clients/{moreau}/contact/edit",
        data={
            "address_line1": "1 rue Neuve",
            "postcode": "83400",
            "city": "Hyères",
            "country": "FR",
            "phone": "12",
        },
        headers=HTMX,
    )
    assert bad.status_code == 422
    saved = client.post(
        f"/admin/clients/{moreau}/contact/edit",
        data={
            "address_line1": "1 rue Neuve",
            "postcode": "83400",
            "city": "Hyères",
            "country": "FR",
            "phone": "06 55 44 33 22",
        },
        headers=HTMX,
    )
    assert saved.status_code == 200 and "06 55 44 33 22" in saved.get_data(as_text=True)
    assert client.get(f"/admin/clients/{moreau}/company/edit").status_code == 404
    with app.app_context():
        viewed = db.session.scalars(
            sa.select(ActivityLog.detail).where(ActivityLog.action == "admin.client_viewed")
        ).all()
    assert viewed == ["section=contact"]
    auth.logout()
    auth.login(email="helene.moreau@example.fr")
    history = client.get("/account/profile/history", headers=HTMX).get_data(as_text=True)
    assert "par notre équipe" in history and "Adresse, Code postal, Téléphone" in history


def test_admin_views_of_a_client_speak_of_the_client_not_of_you(app, client, auth):
    """ "Vous êtes" is the client's own word on registration; the admin reads about the client."""
    auth.create_admin(enrolled=True)
    client_user = auth.create_client("marie@example.fr")
    auth.login("admin@example.fr", totp=True)
    with app.app_context():
        from models import db
        from models.user import User

        client_id = db.session.get(User, client_user).client.id
    for url in ("/admin/clients/new", f"/admin/clients/{client_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Vous êtes" not in html and "Catégorie de client" in html, url


def test_a_client_is_created_on_their_behalf_outside_any_request(app):
    """The rule is a service: a command or an import could create clients the same way."""
    with app.app_context():
        client = create_client_on_behalf(
            " Marie.Martin@Example.FR ",
            category="particulier",
            last_name=" Martin ",
            first_name="Marie",
            company_name="  ",
        )
        db.session.commit()
        user = client.user
        assert (user.email, user.email_canonical) == (
            "Marie.Martin@example.fr",
            "marie.martin@example.fr",
        )
        assert user.password_hash is None and user.role == "client"
        assert (client.last_name, client.company_name, client.country) == ("Martin", None, "FR")
        actions = set(db.session.scalars(sa.select(ActivityLog.action)))
    assert {"admin.client_created", "account.invitation_sent"} <= actions
    (mail,) = sent_mails(app)
    assert mail.recipient == "Marie.Martin@example.fr"
