"""The processing register (GDPR art. 30) and the privacy page made from it: every column the
model declares personal is named on the page with its retention, the configuration decides
recipients, transfers, retention and DPO, admins edit the written parts and the page follows,
the register exports as CSV; every link and every promised feature of the page has its route."""

from __future__ import annotations

import csv
import io
import re
import ssl

import pytest
import sqlalchemy as sa

from models import db
from models.activity import ActivityLog
from models.register import Processing, ProcessingPurpose
from services.processing_register import DATA_ITEMS, personal_columns
from tests.fixtures.accounts import page_text
from tests.fixtures.database import count_rows
from tests.fixtures.http import csrf_token_from


@pytest.fixture
def admin(app, auth):
    auth.create_admin(enrolled=True)
    auth.login("admin@example.fr", totp=True)


def privacy(client) -> str:
    return page_text(client.get("/confidentialite"))


def section(text: str, anchor: str, until: str) -> str:
    return text.split(f'id="{anchor}"')[1].split(f'id="{until}"')[0]


# ------------------------------------------------------------------ the model and the page


def test_every_personal_column_is_named_by_exactly_one_data_item():
    declared = personal_columns()
    named = [column for item in DATA_ITEMS for column in item.columns]
    assert sorted(set(declared) - set(named)) == [], "name these columns in DATA_ITEMS"
    assert sorted(set(named) - set(declared)) == [], "these columns are not declared personal"
    assert len(named) == len(set(named)), "a column is named twice"
    for item in DATA_ITEMS:  # one item, one category and one retention
        infos = {(declared[c]["category"], declared[c]["retention"]) for c in item.columns}
        assert len(infos) == 1, item.columns


def test_the_privacy_page_names_every_personal_datum_of_the_model(client):
    page = privacy(client)
    data = section(page, "donnees", "cookies")
    for item in DATA_ITEMS:
        assert str(item.label) in data, item.label
    for words in ("SIREN", "TVA intracommunautaire", "RNA", "compte rendu", "notes", "langue"):
        assert words in data
    assert "historique des connexions" in data and "e-mails envoyés" in data
    assert "consentements et leur historique" in data


@pytest.mark.settings(
    RETENTION_AFTER_END_DAYS=200,
    ACTIVITY_LOG_RETENTION_DAYS=90,
    MAIL_RETENTION_DAYS=12,
    INVOICE_ARCHIVE_YEARS=11,
)
def test_retention_settings_change_the_page_and_the_register_alike(client, admin):
    for page in (privacy(client), page_text(client.get("/admin/gdpr/register"))):
        assert "200 jours après la fin de la dernière intervention" in page
        assert "90 jours après l'événement" in page
        assert "jusqu'à l'envoi, puis 12 jours" in page
        assert "11 ans après l'émission" in page
        assert "365 jours" not in page


@pytest.mark.settings(COMPANY_NAME="Atelier Exemple SARL", COMPANY_HOST="Hébergeur Test, Lyon")
def test_the_page_names_the_configured_controller_and_host_as_processor(client):
    page = privacy(client)
    assert "Le responsable du traitement est Atelier Exemple SARL" in page
    assert "L'hébergeur, en sous-traitant : Hébergeur Test, Lyon." in page


def test_each_purpose_has_its_legal_basis_and_the_page_tells_the_dpo(app, client):
    page = privacy(client)
    purposes = section(page, "finalites", "donnees")
    assert (
        "Établir les factures" in purposes and "Obligation légale (RGPD, article 6.1.c)" in purposes
    )
    assert "lettre d'information" in purposes and "Consentement (RGPD, article 6.1.a)" in purposes
    assert "Intérêt légitime" in purposes and "Exécution du contrat" in purposes
    assert "pas désigné de délégué à la protection des données" in page
    app.config["DPO_CONTACT"] = "Claire Martin, dpo@example.fr"
    assert "délégué à la protection des données : Claire Martin, dpo@example.fr" in privacy(client)


def test_security_measures_follow_the_code(client):
    security = section(privacy(client), "securite", "droits")
    assert "TLS 1.2 ou plus récente" in security
    assert "TLS 2.0" not in security
    assert "au moins 18 caractères" in security
    assert "Double authentification (TOTP) obligatoire pour les administrateurs" in security


def test_our_own_encrypted_backups_are_told_only_once_configured(app, client):
    assert "Sauvegarde chiffrée de la base" not in privacy(client)
    app.config.update(BACKUP_TARGETS=["/srv/second-site"], BACKUP_PUBLIC_KEY="age1example")
    assert "Sauvegarde chiffrée de la base" in section(privacy(client), "securite", "droits")


def test_mail_is_never_sent_below_tls_1_2(app):
    from services.mail_delivery import SmtpBackend

    context = SmtpBackend(app.config).tls_context()
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("who", ["visitor", "client"])
def test_every_link_of_the_privacy_page_has_a_route(app, client, auth, who):
    if who == "client":
        auth.create_client()
        auth.login()
    page = client.get("/confidentialite").get_data(as_text=True)
    adapter = app.url_map.bind("localhost")
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert "/account/privacy" in links or who == "visitor"
    for link in links:
        path = link.split("?")[0].split("#")[0]
        adapter.match(path, method="GET")  # raises NotFound for a promise without a route
        if not path.startswith("/static/"):
            assert client.get(link).status_code in (200, 302, 303), link


# Each feature the page promises, and the route that keeps the promise.
PROMISES = {
    "choisissez « Suppression de mon espace client »": "tickets.new_ticket",
    "un lien pour confirmer la suppression": "gdpr.confirm_erasure",
    "toutes les données que nous avons sur vous": "gdpr.account_export",
    "vous suivez vos demandes et leur échéance": "gdpr.account_privacy",
    "refuser d'un clic sur votre page": "gdpr.stop_birthday_wishes",
    "vous voyez jusqu'à quand elles sont conservées": "gdpr.account_privacy",
}


def test_every_feature_the_page_promises_has_its_route(app, client):
    page = privacy(client)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for words, endpoint in PROMISES.items():
        assert words in page, words
        assert endpoint in endpoints, endpoint


# ------------------------------------------------------------------ the register, by admins


def test_the_register_shows_the_seed_stored_on_first_visit(app, client, admin):
    assert count_rows(app, Processing) == 0
    page = page_text(client.get("/admin/gdpr/register"))
    assert "Gestion de la relation commerciale" in page
    assert "Données d'identification" in page and "numéro SIREN ou SIRET" in page
    assert count_rows(app, Processing) == 1
    assert count_rows(app, ProcessingPurpose) == 8
    client.get("/admin/gdpr/register")
    assert count_rows(app, Processing) == 1  # stored once


def purpose_ids(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(ProcessingPurpose.id).order_by(ProcessingPurpose.position))
        )


def post_form(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_an_edited_purpose_is_what_the_privacy_page_says(app, client, admin):
    client.get("/admin/gdpr/register")
    first = purpose_ids(app)[0]
    url = f"/admin/gdpr/register/purposes/{first}/edit"
    response = post_form(
        client,
        url,
        {"purpose": "Gérer votre compte et vos accès", "legal_basis": "contract", "position": "0"},
    )
    assert response.status_code == 303
    purposes = section(privacy(client), "finalites", "donnees")
    assert "Gérer votre compte et vos accès" in purposes
    assert "Créer et gérer le compte client" not in purposes
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ActivityLog.action == "register.purpose_updated")
            )
            == 1
        )


def test_a_purpose_is_added_then_removed(app, client, admin):
    client.get("/admin/gdpr/register")
    response = post_form(
        client,
        "/admin/gdpr/register/purposes/new",
        {
            "purpose": "Enquêtes de satisfaction",
            "legal_basis": "legitimate_interest",
            "position": "9",
        },
    )
    assert response.status_code == 303
    assert "Enquêtes de satisfaction" in privacy(client)
    register = client.get("/admin/gdpr/register").get_data(as_text=True)
    assert "data-confirm=" in register  # removal is confirmed in the page
    added = purpose_ids(app)[-1]
    token = csrf_token_from(register)
    response = client.post(
        f"/admin/gdpr/register/purposes/{added}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert "Enquêtes de satisfaction" not in privacy(client)
    assert count_rows(app, ProcessingPurpose) == 8


def test_the_last_purpose_cannot_be_removed(app, client, admin):
    register = client.get("/admin/gdpr/register").get_data(as_text=True)
    token = csrf_token_from(register)
    ids = purpose_ids(app)
    for purpose_id in ids:
        client.post(
            f"/admin/gdpr/register/purposes/{purpose_id}/delete", data={"csrf_token": token}
        )
    assert count_rows(app, ProcessingPurpose) == 1
    assert "au moins une finalité" in page_text(client.get("/admin/gdpr/register"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"purpose": ""}, "Décrivez la finalité."),
        ({"purpose": "x" * 501}, "500 caractères au plus."),
        ({"legal_basis": "whim"}, "Choisissez une base légale dans la liste."),
        ({"position": "-1"}, "Un nombre entre 0 et 999."),
        ({"position": "abc"}, "Saisissez un nombre entier."),
    ],
)
def test_a_bad_purpose_is_refused_with_the_typing_kept(app, client, admin, values, message):
    client.get("/admin/gdpr/register")
    data = {"purpose": "Texte saisi", "legal_basis": "consent", "position": "3", **values}
    response = post_form(client, "/admin/gdpr/register/purposes/new", data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    if values.get("purpose") is None:
        assert 'value="Texte saisi"' in text
    assert count_rows(app, ProcessingPurpose) == 8


def test_the_processing_texts_are_edited_and_an_empty_one_refused(app, client, admin):
    url = "/admin/gdpr/register/edit"
    form = {
        "name": "Gestion de la relation commerciale",
        "persons": "Nos clients.",
        "recipients": "Notre équipe seulement.",
        "transfers": "Aucun transfert.",
        "security": "Coffre-fort pour les sauvegardes\nPostes chiffrés",
    }
    refused = post_form(client, url, {**form, "recipients": ""})
    assert refused.status_code == 422
    assert "Indiquez qui reçoit les données." in page_text(refused)
    assert "Coffre-fort pour les sauvegardes" in page_text(refused)
    assert count_rows(app, Processing) == 0  # nothing written
    assert post_form(client, url, form).status_code == 303
    page = privacy(client)
    assert "Notre équipe seulement." in section(page, "destinataires", "conservation")
    assert "L'hébergeur, en sous-traitant" in page  # from the configuration, always
    security = section(page, "securite", "droits")
    assert "Postes chiffrés" in security and "TLS 1.2" in security
    assert "Personnes concernées : Nos clients." in page


def test_the_register_exports_as_csv_without_formulas(app, client, admin):
    client.get("/admin/gdpr/register")
    first = purpose_ids(app)[0]
    post_form(
        client,
        f"/admin/gdpr/register/purposes/{first}/edit",
        {"purpose": '=HYPERLINK("x")', "legal_basis": "contract", "position": "0"},
    )
    response = client.get("/admin/gdpr/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    sections = {row[0] for row in rows[1:]}
    assert {
        "Finalité",
        "Destinataires",
        "Mesures de sécurité",
        "Contact lié à la fiche client",
    } <= sections
    assert ["Finalité", '\'=HYPERLINK("x")', "Exécution du contrat (RGPD, article 6.1.b)"] in rows
    assert any(row[1] == "numéro SIREN ou SIRET" for row in rows)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(ActivityLog.action == "register.exported")
            )
            == 1
        )


def test_clients_and_visitors_never_reach_the_register(app, client, auth):
    for url in ("/admin/gdpr/register", "/admin/gdpr/register.csv", "/admin/gdpr/register/edit"):
        assert client.get(url).status_code in (302, 303, 404)
    auth.create_client()
    auth.login()
    for url in ("/admin/gdpr/register", "/admin/gdpr/register.csv", "/admin/gdpr/register/edit"):
        assert client.get(url).status_code == 404


def test_the_seed_is_shown_in_english_and_an_edit_as_written(app, client, admin):
    client.get("/admin/gdpr/register")
    token = csrf_token_from(client.get("/admin/gdpr/register").get_data(as_text=True))
    client.post("/langue", data={"locale": "en", "csrf_token": token})
    page = privacy(client)
    assert "Client relationship management" in page
    assert "Gestion de la relation commerciale" not in page
    first = purpose_ids(app)[0]
    post_form(
        client,
        f"/admin/gdpr/register/purposes/{first}/edit",
        {"purpose": "Texte écrit par l'équipe", "legal_basis": "contract", "position": "0"},
    )
    assert "Texte écrit par l'équipe" in privacy(client)
