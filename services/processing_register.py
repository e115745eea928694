"""What the processing register and the privacy page say, from one source.

The stored part (purposes, legal bases, persons, recipients, transfers, extra security measures)
is the `processing` table, seeded from the privacy policy until an admin edits it. The rest is
read from the software itself, so that the register and the page never disagree with it:
the data categories from the columns the model declares personal (every one of them is named by
an item of DATA_ITEMS, which a test checks), the retention periods from the settings, the
recipients and transfers that depend on the configuration (the CAPTCHA provider, the host), and
the security measures that the configuration enforces.

Stored texts that are still the seed's are shown translated; edited ones as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import sqlalchemy as sa

from models import CATEGORIES, N_, Base, db
from models.register import LEGAL_BASES, Processing, ProcessingPurpose
from services.account_rules import PASSWORD_MIN_LENGTH
from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.i18n import ngettext

# ------------------------------------------------------------------ the seed (the policy)

MAIN_PROCESSING = N_("Gestion de la relation commerciale")
SEED_PURPOSES = [
    (N_("Créer et gérer le compte client et son accès sécurisé"), "contract"),
    (
        N_(
            "Préparer, réaliser et suivre les interventions d'assistance informatique et internet, "
            "et répondre aux tickets"
        ),
        "contract",
    ),
    (N_("Gérer les contrats et abonnements, et leur renouvellement"), "contract"),
    (
        N_("Établir les factures, enregistrer les paiements et tenir la comptabilité"),
        "legal_obligation",
    ),
    (N_("Envoyer la lettre d'information aux clients qui l'ont demandée"), "consent"),
    (
        N_("Souhaiter leur anniversaire aux clients qui ont donné leur date de naissance"),
        "consent",
    ),
    (
        N_(
            "Protéger l'Espace Client : journal d'activité, vérification anti-robot, limitation "
            "des tentatives de connexion"
        ),
        "legitimate_interest",
    ),
    (
        N_(
            "Répondre aux demandes d'exercice des droits et tenir les registres imposés par le RGPD"
        ),
        "legal_obligation",
    ),
]
SEED_PERSONS = N_(
    "Les clients de l'entreprise (particuliers, professionnels et associations) et les "
    "administrateurs de l'Espace Client."
)
SEED_RECIPIENTS = N_(
    "Le personnel habilité de l'entreprise, pour ses seuls besoins professionnels. Aucune donnée "
    "n'est vendue, louée ni échangée."
)
SEED_TRANSFERS = N_("Aucune donnée n'est transférée hors de l'Union européenne.")
SEED_SECURITY = [
    N_(
        "Numéros de série, clés de licence, secrets de double authentification et contenu des e-mails chiffrés dans la base"
    ),
    N_(
        "Sauvegarde quotidienne de la base par l'hébergeur sur un second centre de données sécurisé"
    ),
    N_("Serveur protégé et mis à jour par l'hébergeur, antivirus sur l'espace d'hébergement"),
    N_(
        "Accès aux données limité aux administrateurs, chaque consultation d'un dossier étant journalisée"
    ),
]
SEED_TEXTS = {
    MAIN_PROCESSING,
    SEED_PERSONS,
    SEED_RECIPIENTS,
    SEED_TRANSFERS,
    *SEED_SECURITY,
    *(purpose for purpose, _basis in SEED_PURPOSES),
}


def shown(text: str) -> str:
    """A stored text for the reader: translated while it is still the seed's, else as written."""
    return _(text) if text in SEED_TEXTS else text


def seed_processing() -> Processing:
    """The processing of the privacy policy, not yet added to the session."""
    processing = Processing(
        name=MAIN_PROCESSING,
        persons=SEED_PERSONS,
        recipients=SEED_RECIPIENTS,
        transfers=SEED_TRANSFERS,
        security="\n".join(SEED_SECURITY),
    )
    processing.purposes = [
        ProcessingPurpose(position=position, purpose=purpose, legal_basis=basis)
        for position, (purpose, basis) in enumerate(SEED_PURPOSES)
    ]
    return processing


def main_processing() -> Processing:
    """The stored processing, or the seed (transient) while nobody has edited the register."""
    stored = db.session.scalars(sa.select(Processing).order_by(Processing.id).limit(1)).first()
    return stored if stored is not None else seed_processing()


def stored_processing() -> Processing:
    """The processing to edit: the seed is written first when the register was never stored."""
    processing = main_processing()
    if processing.id is None:
        db.session.add(processing)
        db.session.flush()
    return processing


# ------------------------------------------------------------------ from the model


@dataclass(frozen=True)
class DataItem:
    """What a reader calls one piece of data, and the columns that hold it."""

    label: object  # lazy string
    columns: tuple[str, ...]


DATA_ITEMS = [
    # identification
    DataItem(_l("adresse e-mail (votre identifiant)"), ("user.email", "user.email_canonical")),
    DataItem(_l("mot de passe, sous forme d'empreinte irréversible"), ("user.password_hash",)),
    DataItem(_l("nom affiché"), ("user.display_name",)),
    DataItem(_l("langue de l'interface"), ("user.locale",)),
    DataItem(_l("date de vérification de l'adresse e-mail"), ("user.email_verified_at",)),
    # contact
    DataItem(_l("nom et prénom"), ("client.last_name", "client.first_name", "client.sort_key")),
    DataItem(
        _l("adresse postale"),
        (
            "client.address_line1",
            "client.address_line2",
            "client.postcode",
            "client.city",
            "client.country",
        ),
    ),
    DataItem(_l("téléphone"), ("client.phone",)),
    DataItem(_l("date de naissance (facultative)"), ("client.birth_date",)),
    DataItem(
        _l("index de recherche tiré de la fiche client"),
        ("client_search_term.term", "client_search_term.client_id"),
    ),
    DataItem(
        _l("motif d'une limitation du traitement ou d'une conservation pour raison légale"),
        ("client.restriction_reason", "legal_hold.reason"),
    ),
    # company
    DataItem(_l("raison sociale et nom commercial"), ("client.company_name", "client.trade_name")),
    DataItem(
        _l("siège social et son adresse"), ("client.head_office", "client.head_office_address")
    ),
    DataItem(_l("numéro SIREN ou SIRET"), ("client.siret",)),
    DataItem(_l("numéro de TVA intracommunautaire"), ("client.vat_number",)),
    DataItem(_l("numéro RNA (associations)"), ("client.rna_number",)),
    # intervention
    DataItem(
        _l("périphériques : nom, type, modèle et notes"),
        ("device.name", "device.type", "device.model", "device.notes"),
    ),
    DataItem(
        _l("numéros de série des périphériques (chiffrés)"),
        ("device.serial_number_encrypted", "device.serial_number_index"),
    ),
    DataItem(
        _l("logiciels : produit, clé de licence (chiffrée), nombre de postes, expiration"),
        ("licence.product", "licence.licence_key_encrypted", "licence.seats", "licence.expires_on"),
    ),
    DataItem(
        _l("interventions : dates, description et compte rendu"),
        (
            "intervention.starts_at",
            "intervention.ended_at",
            "intervention.description",
            "intervention.report",
        ),
    ),
    # billing
    DataItem(
        _l(
            "contrats et abonnements : intitulé, notes, dates, périodes, prix, demande de non-reconduction"
        ),
        (
            "contract.title",
            "contract.notes",
            "contract.starts_on",
            "contract.ends_on",
            "contract.price_cents",
            "contract.non_renewal_requested_at",
            "contract.ended_at",
            "contract_period.starts_on",
            "contract_period.ends_on",
        ),
    ),
    DataItem(
        _l("rappels d'échéance des contrats"),
        ("renewal_reminder.deadline", "renewal_reminder.sent_at"),
    ),
    DataItem(
        _l("factures : dates, acheteur (nom, adresse, SIREN, TVA), lignes et montants"),
        (
            "invoice.service_date",
            "invoice.note",
            "invoice.issued_on",
            "invoice.due_on",
            "invoice.buyer_name",
            "invoice.buyer_address",
            "invoice.buyer_siren",
            "invoice.buyer_vat_number",
            "invoice.buyer_is_professional",
            "invoice.total_excl_tax_cents",
            "invoice.total_tax_cents",
            "invoice.total_incl_tax_cents",
            "invoice.paid_cents",
            "invoice.credited_cents",
            "invoice_line.description",
            "invoice_line.quantity_thousandths",
            "invoice_line.unit_price_cents",
            "invoice_line.vat_rate_bp",
            "invoice_line.discount_bp",
        ),
    ),
    DataItem(
        _l("paiements : date, montant, moyen et référence"),
        ("payment.paid_on", "payment.amount_cents", "payment.method", "payment.reference"),
    ),
    DataItem(_l("relances de factures impayées"), ("invoice_reminder.sent_at",)),
    DataItem(_l("dates de téléchargement de vos factures"), ("invoice_download.downloaded_at",)),
    # communication
    DataItem(
        _l("tickets : titre, messages et noms des pièces jointes"),
        ("ticket.title", "ticket_message.body", "ticket_attachment.filename"),
    ),
    DataItem(
        _l("e-mails envoyés : destinataire, objet et contenu (chiffré)"),
        (
            "outbox_mail.recipient",
            "outbox_mail.subject",
            "outbox_mail.body_text_encrypted",
            "outbox_mail.body_html_encrypted",
            "outbox_mail.list_unsubscribe",
        ),
    ),
    DataItem(
        _l("lettres d'information qui vous ont été envoyées"),
        ("newsletter_delivery.status", "newsletter_delivery.updated_at"),
    ),
    DataItem(
        _l(
            "consentements et leur historique : politique de confidentialité acceptée, lettre "
            "d'information, opposition aux vœux d'anniversaire (date, origine, texte affiché)"
        ),
        (
            "client.privacy_accepted_at",
            "client.newsletter_consent",
            "client.newsletter_consent_at",
            "client.birthday_objected_at",
            "consent_record.action",
            "consent_record.source",
            "consent_record.wording",
            "consent_record.recorded_at",
        ),
    ),
    # security
    DataItem(_l("date de la dernière connexion"), ("user.last_login_at",)),
    DataItem(
        _l("double authentification : secret (chiffré), date d'activation, codes de secours"),
        (
            "user.totp_secret_encrypted",
            "user.totp_enabled_at",
            "recovery_code.code_hash",
            "recovery_code.used_at",
        ),
    ),
    DataItem(
        _l("historique des connexions et des actions : date, auteur, adresse IP, navigateur"),
        (
            "activity_log.actor_id",
            "activity_log.target_id",
            "activity_log.ip",
            "activity_log.ip_mac",
            "activity_log.user_agent",
            "activity_log.detail",
        ),
    ),
    DataItem(
        _l("tentatives de connexion échouées"),
        ("login_failure.account_key", "login_failure.source"),
    ),
]


def personal_columns() -> Mapping[str, dict]:
    """Every column declared personal in the model: "table.column" -> its declaration.

    Read once per set of tables (the privacy page asks at every visit), hence read-only."""
    return _personal_columns(len(Base.metadata.tables))


@lru_cache(maxsize=1)
def _personal_columns(_tables: int) -> Mapping[str, dict]:
    return MappingProxyType(
        {
            f"{table.name}.{column.name}": column.info
            for table in Base.metadata.tables.values()
            for column in table.columns
            if column.info.get("personal")
        }
    )


@dataclass
class CategoryView:
    """One category of data for the register and the privacy page."""

    key: str
    label: object
    items: list = field(default_factory=list)  # (label, retention text)

    @property
    def groups(self) -> list[tuple[str, list]]:
        """The items by retention period, in order of first appearance."""
        grouped: dict[str, list] = {}
        for label, retention in self.items:
            grouped.setdefault(retention, []).append(label)
        return list(grouped.items())


def data_categories(config) -> list[CategoryView]:
    """The declared personal data, by category in the policy's order, each item with its
    retention period in words."""
    columns = personal_columns()
    periods = retention_periods(config)
    views = {key: CategoryView(key, _l(label)) for key, label in CATEGORIES.items()}
    for item in DATA_ITEMS:
        declared = [columns[name] for name in item.columns if name in columns]
        if not declared:
            continue
        info = declared[0]
        views[info["category"]].items.append((item.label, periods[info["retention"]]))
    return [view for view in views.values() if view.items]


# ------------------------------------------------------------------ from the settings


def retention_periods(config) -> dict[str, str]:
    """Each retention class of the model, in words, with the configured durations."""
    days = config["RETENTION_AFTER_END_DAYS"]
    log_days = config["ACTIVITY_LOG_RETENTION_DAYS"]
    mail_days = config["MAIL_RETENTION_DAYS"]
    years = config["INVOICE_ARCHIVE_YEARS"]
    return {
        "client_relationship": ngettext(
            "%(num)d jour après la fin de la dernière intervention et du dernier contrat ou "
            "abonnement (ou après la dernière activité)",
            "%(num)d jours après la fin de la dernière intervention et du dernier contrat ou "
            "abonnement (ou après la dernière activité)",
            days,
        ),
        "activity_log": ngettext(
            "%(num)d jour après l'événement", "%(num)d jours après l'événement", log_days
        )
        + " "
        + ngettext(
            "(l'adresse IP est réduite à son réseau après %(num)d jour)",
            "(l'adresse IP est réduite à son réseau après %(num)d jours)",
            int(config["ACTIVITY_LOG_IP_TRUNCATE_DAYS"]),
        ),
        "invoice": ngettext(
            "%(num)d an après l'émission (Code de commerce, article L123-22)",
            "%(num)d ans après l'émission (Code de commerce, article L123-22)",
            years,
        ),
        "mail_outbox": ngettext(
            "jusqu'à l'envoi, puis %(num)d jour", "jusqu'à l'envoi, puis %(num)d jours", mail_days
        ),
        "consent_proof": _(
            "aussi longtemps que l'espace client existe, pour prouver les choix faits"
        ),
        "until_erasure": _("jusqu'à la suppression de l'espace client"),
    }


def configured_recipients(config) -> list[str]:
    """Recipients that the configuration decides: the host, and Google when reCAPTCHA is on."""
    recipients = [_("L'hébergeur, en sous-traitant : %(host)s.", host=config["COMPANY_HOST"])]
    if config.get("CAPTCHA_PROVIDER") == "recaptcha":
        recipients.append(
            _(
                "Google, pour la vérification anti-robot reCAPTCHA, et seulement pour les "
                "visiteurs qui l'acceptent sur les pages de création de compte et de connexion."
            )
        )
    return recipients


def configured_transfers(config) -> list[str]:
    """Transfers outside the EU that the configuration causes (none unless reCAPTCHA is on)."""
    if config.get("CAPTCHA_PROVIDER") == "recaptcha":
        return [
            _(
                "Si vous acceptez la vérification reCAPTCHA, Google (qui peut traiter ces "
                "informations aux États-Unis) reçoit votre adresse IP et des informations sur "
                "votre navigateur. Si vous la refusez, rien ne lui est envoyé."
            )
        ]
    return []


def configured_security(config) -> list[str]:
    """Security measures that the code and the configuration enforce."""
    measures = []
    if config.get("FORCE_HTTPS") or not config.get("ALLOW_INSECURE_HTTP"):
        measures.append(_("Accès à l'Espace Client uniquement en HTTPS"))
    measures += [
        _(
            "Mots de passe d'au moins %(n)d caractères mêlant minuscule, majuscule, chiffre et "
            "caractère spécial, conservés sous forme d'empreinte Argon2",
            n=PASSWORD_MIN_LENGTH,
        ),
        _("Vérification anti-robot à la création du compte et à la connexion"),
        _("Double authentification (TOTP) obligatoire pour les administrateurs"),
        _("Journal des connexions et des actions, scellé contre toute modification"),
        _("E-mails envoyés uniquement par une connexion chiffrée TLS 1.2 ou plus récente"),
    ]
    if config.get("BACKUP_TARGETS") and config.get("BACKUP_PUBLIC_KEY"):
        measures.append(
            _(
                "Sauvegarde chiffrée de la base et des fichiers sur un second site, dont la clé "
                "de lecture n'est pas sur le serveur"
            )
        )
    return measures


def register_facts(config) -> dict:
    """Everything the register says, for its page, its CSV and the privacy page."""
    processing = main_processing()
    return {
        "processing": processing,
        "purposes": [
            (purpose, shown(purpose.purpose), LEGAL_BASES.get(purpose.legal_basis, ""))
            for purpose in processing.purposes
        ],
        "categories": data_categories(config),
        "recipients": [shown(processing.recipients), *configured_recipients(config)],
        "transfers": [shown(processing.transfers), *configured_transfers(config)],
        "security": [*configured_security(config), *map(shown, processing.security_lines)],
        "persons": shown(processing.persons),
        "name": shown(processing.name),
    }
