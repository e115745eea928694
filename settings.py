"""Configuration of Espace Client.

Values come, in this order, from the defaults below, then ``instance/config.py``, then the
environment variables prefixed ``FLASK_`` (a ``.env`` file is read first, because shared hosting
and cron share nothing else), then the ``test_config`` given to the factory.
"""

from __future__ import annotations

import math
import os
import secrets
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv
from sqlalchemy.engine import make_url

from services.private_files import private_directory, private_sqlite_database

# The keys of keyed hashes (see Defaults); names kept in step with services.crypto.HASH_KEYS.
HASH_KEY_SETTINGS = ("RECOVERY_CODE_KEY", "BLIND_INDEX_KEY", "ACTIVITY_SEAL_KEY")
DEVELOPMENT_HOSTS = {"127.0.0.1", "localhost"}
WEAK_SECRET_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test", "password"}
MIN_SECRET_KEY_LENGTH = 32
# A random key of 32 hexadecimal characters scores about 110 bits and uses 14 to 16 of them;
# 40 times the same character scores 0 and uses one.
MIN_SECRET_KEY_BITS = 80
MIN_SECRET_KEY_DISTINCT = 8


class Defaults:
    """Defaults that are safe in production; each may be overridden by the instance or env."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000
    MYSQL_POOL_RECYCLE_S = 280
    # A pooled MariaDB connection unused for longer is pinged before it is reused (app.py):
    # a busy server pays no ping per request, a quiet one finds out about a restart.
    MYSQL_PING_IDLE_S = 10

    # Sessions and cookies
    SESSION_COOKIE_NAME = "ec_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True  # turned off in debug by the factory
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # absolute lifetime of a session
    IDLE_TIMEOUT_ADMIN_MINUTES = 30
    IDLE_TIMEOUT_CLIENT_MINUTES = 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # None: room for the attachments of one message (files x size) and the text around them.
    MAX_CONTENT_LENGTH: int | None = None

    # HTTPS, hosts and proxies
    FORCE_HTTPS = True  # off in debug and testing
    ALLOW_INSECURE_HTTP = False  # true: start without FORCE_HTTPS / secure cookies, on purpose
    # Host names the portal answers for; any other Host header is a 400. None: in production,
    # the host of MAIL_BASE_URL; in debug and tests, any host.
    TRUSTED_HOSTS: list[str] | None = None
    HSTS_MAX_AGE = 31536000
    PROXY_FIX_X_FOR = 0  # number of proxies in front of the app whose X-Forwarded-* to trust
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    # Language and time
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = {"fr": "Français", "en": "English"}

    # Passwords (argon2id). Memory kept small enough for shared hosting per-process limits.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 19456
    PASSWORD_HASH_PARALLELISM = 1

    # Account links (signed tokens) and login failures
    EMAIL_VERIFICATION_MAX_AGE_HOURS = 48
    PASSWORD_RESET_MAX_AGE_MINUTES = 60
    INVITATION_MAX_AGE_HOURS = 48  # an admin created by another admin sets a password with it
    INVITATION_MAX_AGE_DAYS = 7  # a client whose account an admin created sets one with it
    EMAIL_CHANGE_MAX_AGE_HOURS = 48
    # Wrong passwords are counted per account and source (IPv4, IPv6 /64): see
    # services/login_guard.py. The account itself is never locked.
    LOGIN_THROTTLE_AFTER = 3  # failures in a row from one source before each try waits
    LOGIN_THROTTLE_BASE_SECONDS = 1  # the wait, doubled at each failure, up to the maximum
    LOGIN_THROTTLE_MAX_SECONDS = 60
    LOGIN_MAX_FAILURES = 10  # failures in a row before that source (only) is locked out
    LOGIN_LOCKOUT_BASE_MINUTES = 15  # doubled at each new lock-out of the source, to the maximum
    LOGIN_LOCKOUT_MAX_MINUTES = 24 * 60
    LOGIN_ATTACK_FAILURES = 10  # failures from 2+ sources within the window: under attack
    LOGIN_ATTACK_WINDOW_MINUTES = 60
    LOGIN_USUAL_SOURCE_DAYS = 90  # a source the owner logged in from lately skips the harder proof
    LOGIN_GUARD_KEY: str | None = None  # hashes the typed addresses; None: from SECRET_KEY

    # Rate limiting
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Per IP, then per account (the submitted e-mail); "a; b" sets several windows.
    RATELIMIT_LOGIN = "10 per minute; 100 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute; 30 per hour"  # per account and client address
    RATELIMIT_REGISTER = "5 per minute; 20 per hour"
    RATELIMIT_REGISTER_ACCOUNT = "3 per hour"
    RATELIMIT_RESET = "5 per minute; 20 per hour"
    RATELIMIT_RESET_ACCOUNT = "3 per hour"
    RATELIMIT_RESEND = "5 per minute; 20 per hour"
    RATELIMIT_RESEND_ACCOUNT = "3 per hour"
    RATELIMIT_TOTP = "10 per minute; 50 per hour"
    RATELIMIT_TOTP_ACCOUNT = "5 per minute; 20 per hour"  # per user of the session
    # Forms of the security page that take the current password: a stolen session must not
    # become a way to guess it.
    RATELIMIT_SECURITY = "10 per minute; 50 per hour"
    RATELIMIT_SECURITY_ACCOUNT = "5 per minute; 20 per hour"  # per user of the session
    RATELIMIT_PASSWORD_CHECK = "120 per minute"  # noqa: S105 - as-you-type check: generous
    RATELIMIT_CAPTCHA_CHALLENGE = "30 per minute"

    # CAPTCHA
    CAPTCHA_PROVIDER = "altcha"
    RECAPTCHA_SITE_KEY: str | None = None
    RECAPTCHA_SECRET_KEY: str | None = None
    RECAPTCHA_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"
    RECAPTCHA_MIN_SCORE = 0.5
    RECAPTCHA_ATTACK_MIN_SCORE = 0.7  # logins to an account under attack, from elsewhere
    RECAPTCHA_MAX_AGE_S = 120  # a token older than this is refused (Google's own lifetime)
    RECAPTCHA_EXPECTED_HOSTNAME: str | None = None  # None: the host of the request
    RECAPTCHA_TIMEOUT_S = 5
    ALTCHA_HMAC_KEY: str | None = None  # None: derived from SECRET_KEY
    ALTCHA_ALGORITHM = "PBKDF2/SHA-256"
    ALTCHA_COST = 5000  # PBKDF2 iterations per attempt; about 256 attempts on average
    ALTCHA_ATTACK_COST = 50000  # the harder proof for an account under attack: 10x the work
    ALTCHA_EXPIRES_S = 600  # time to fill the form once the challenge is solved

    # Mail
    MAIL_BACKEND = "smtp"  # "smtp" or "file" (development and tests: .eml in instance/mail)
    MAIL_SERVER = "localhost"
    MAIL_PORT = 465
    MAIL_SECURITY = "tls"  # "tls" (implicit TLS, port 465) or "starttls" (port 587)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_CA_FILE: str | None = None  # CA bundle trusted instead of the system one (private server)
    MAIL_TIMEOUT_S = 15
    MAIL_DEFAULT_SENDER = "E.M.P Computer <no-reply@empcomputer-assistanceinformatique.com>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_BASE_S = 60  # first retry after a minute, then doubling
    MAIL_RETRY_MAX_S = 6 * 3600
    MAIL_SENDING_TIMEOUT_S = 900  # a mail left "sending" this long (crash) is taken over
    MAIL_SEND_AFTER_COMMIT = True
    MAIL_BASE_URL: str | None = None  # public address of the portal, for links in mails
    MAIL_RETENTION_DAYS = 30  # sent and failed mails are deleted by "mail send" after this

    # Second factor (TOTP): the login step between password and session, recent re-login.
    TOTP_PENDING_SECONDS = 300  # time to give the code after the password
    TOTP_MAX_FAILURES = 5  # wrong codes before a fresh login is required
    REAUTH_MAX_AGE_SECONDS = 600  # enrolling again or new recovery codes: login this recent

    # Activity log sealing (HMAC hash chain, at write time); state file default
    # instance/activity-seal.json (outside the database, against tail deletion).
    ACTIVITY_SEAL_STATE_FILE: str | None = None

    # Field encryption (serial numbers, licence keys, TOTP secrets): first key encrypts.
    FIELD_ENCRYPTION_KEYS: list[str] = []

    # Keys of the keyed hashes, each apart from SECRET_KEY so that rotating one breaks nothing
    # else. Each is one key or a list: the first is used, the next ones are previous keys kept
    # for `flask --app app crypto rotate`. Required outside debug; unset in debug and tests,
    # derived from SECRET_KEY as before they existed (`crypto legacy-keys` prints those values).
    RECOVERY_CODE_KEY: str | list[str] | None = None  # recovery codes of the second factor
    BLIND_INDEX_KEY: str | list[str] | None = None  # the search on serial numbers
    ACTIVITY_SEAL_KEY: str | list[str] | None = None  # the activity log's seal

    # Private files (ticket attachments, invoice PDFs): outside static/, under random names.
    FILE_STORE: str | None = None  # None: instance/files
    # The erasure ledger, also kept outside the database (None: instance/erasure-ledger.jsonl):
    # a backup restored after the database is lost erases again who was erased since.
    ERASURE_LEDGER_FILE: str | None = None

    # Backups (`flask --app app backup create`, daily): age public key the archives are
    # encrypted to; directories they are copied to (a mounted second site); rotation.
    BACKUP_PUBLIC_KEY: str | None = None
    BACKUP_IDENTITY: str | None = None  # private key file, for `backup verify` and `restore` only
    BACKUP_TARGETS: list[str] = []  # directories, or sftp://user@host:port/path
    BACKUP_SFTP_KEY: str | None = None  # private key file for the SFTP targets
    BACKUP_SFTP_KNOWN_HOSTS: str | None = None  # known_hosts file: the servers' keys, checked
    BACKUP_KEEP_DAILY = 30
    BACKUP_KEEP_MONTHLY = 12
    BACKUP_MAX_AGE_HOURS = 26  # the admin home warns when the last backup is older
    # Ticket attachments: files per message, size of each, and all of one client's together.
    TICKET_ATTACHMENT_MAX_FILES = 5
    TICKET_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    TICKET_ATTACHMENT_QUOTA_BYTES = 200 * 1024 * 1024

    # Devices: clients may add their own devices (admins always may)
    CLIENTS_MAY_ADD_DEVICES = True

    # Tickets: where news of a ticket without an assigned admin goes (None: COMPANY_EMAIL)
    TICKET_NOTIFY_EMAIL: str | None = None

    # The seller, as the privacy policy names it
    COMPANY_NAME = "E.M.P COMPUTER INFORMATIQUE"
    COMPANY_MANAGER = "M. DALLI Laurent"
    COMPANY_ADDRESS = "9 Avenue Edith Wharton, Le Florentin, Entrée A, 83400 Hyères, France"
    COMPANY_WEBSITE = "https://empcomputer-assistanceinformatique.com"
    COMPANY_EMAIL = "contact@empcomputer-assistanceinformatique.com"
    COMPANY_HOST = "o2switch, 222-224 Boulevard Gustave Flourens, 63000 Clermont-Ferrand, France"
    # The data protection officer, when one is designated ("Nom, adresse e-mail"); None: none,
    # and the privacy page says so.
    DPO_CONTACT: str | None = None

    # Invoices: the seller's mentions, frozen on each invoice at issue. No invoice is issued
    # while SELLER_NAME, SELLER_LEGAL_FORM, SELLER_SIREN, SELLER_ADDRESS (and SELLER_VAT_NUMBER,
    # unless SELLER_VAT_EXEMPT) are missing: the admin page names what is missing.
    SELLER_NAME = "E.M.P COMPUTER INFORMATIQUE"
    SELLER_LEGAL_FORM: str | None = None  # "Entreprise individuelle", "SARL"...
    SELLER_SHARE_CAPITAL: str | None = None  # "10 000 €", for a company
    SELLER_SIREN: str | None = None
    SELLER_RCS: str | None = None  # "RCS Toulon 123 456 789"; None: not registered
    SELLER_VAT_NUMBER: str | None = None
    SELLER_VAT_EXEMPT = False  # franchise en base: "TVA non applicable, art. 293 B du CGI"
    SELLER_VAT_ON_DEBITS = False  # "Option pour le paiement de la taxe d'après les débits"
    SELLER_ADDRESS = "9 Avenue Edith Wharton, Le Florentin, Entrée A\n83400 Hyères"
    SELLER_COUNTRY = "FR"
    SELLER_IBAN: str | None = None  # printed for payment by transfer when set
    INVOICE_PAYMENT_TERMS_DAYS = 30  # due date = date of issue + this
    INVOICE_HOURLY_RATE_CENTS: int | None = None  # price of an hour, for invoices of interventions
    # For professional clients (Code de commerce L441-10): at least three times the legal rate.
    INVOICE_LATE_PENALTY_RATE = "trois fois le taux d'intérêt légal"
    INVOICE_EARLY_PAYMENT_TERMS = "Pas d'escompte pour paiement anticipé."
    INVOICE_REMINDER_DAYS = [1, 15, 30]  # reminders of `billing remind`, days past the due date

    # Retention (the privacy policy): one place, read by the purge, the processing register and
    # the privacy page alike. A client's data are kept this long after the latest end of their
    # interventions and contracts (their last activity when they had neither).
    RETENTION_AFTER_END_DAYS = 365
    NEWSLETTER_CONFIRM_MAX_AGE_HOURS = 48  # the link confirming a subscription
    NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS = 730  # an unsubscribe link in a mail stays valid this long
    NEWSLETTER_BATCH_SIZE = 200  # newsletter mails queued per batch (`newsletters send`, cron)
    BIRTHDAY_MAILS = True  # greet clients who gave their birth date (`gdpr birthdays`, daily)
    ERASURE_CONFIRM_MAX_AGE_DAYS = 7  # life of the link that confirms an erasure request
    RETENTION_NOTICE_DAYS = 30  # the client is told this long before the purge
    ACTIVITY_LOG_RETENTION_DAYS = 365  # entries older than this are deleted by the purge
    ACTIVITY_LOG_IP_TRUNCATE_DAYS = 90  # IPs of older entries keep their network part only
    INVOICE_ARCHIVE_YEARS = 10  # issued invoices in the legal archive (Code de commerce L123-22)
    # Contracts: reminders of `contracts remind`, days before the end or renewal date.
    CONTRACT_REMINDER_DAYS = [60, 30, 7]

    PAGE_SIZE = 25


def write_instance_config(path: str | os.PathLike) -> None:
    """Write a fresh ``instance/config.py`` with a random secret key and development choices."""
    path = Path(path)
    private_directory(path.parent)
    path.write_text(
        "# Configuration of this installation; kept out of version control.\n"
        "# MAIL_BASE_URL serves commands run outside debug; `make run` replaces it by the\n"
        "# address it serves (PORT=...), so mailed links follow the port.\n"
        f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n"
        f"FIELD_ENCRYPTION_KEYS = [{secrets.token_urlsafe(32)!r}]\n"
        + "".join(f"{name} = {secrets.token_urlsafe(32)!r}\n" for name in HASH_KEY_SETTINGS)
        + "MAIL_BACKEND = 'file'\n"
        f"MAIL_BASE_URL = 'http://127.0.0.1:{os.environ.get('PORT') or 5000}'\n"
        "CAPTCHA_PROVIDER = 'altcha'\n",
        encoding="utf-8",
    )
    path.chmod(0o600)


def load(app, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, instance file, environment and ``test_config``."""
    load_dotenv(Path(app.root_path) / ".env")
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = private_directory(app.instance_path) / "espace-client.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    sqlite_file = sqlite_file_of(app.config["SQLALCHEMY_DATABASE_URI"])
    if sqlite_file:
        # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
        private_sqlite_database(Path(app.instance_path) / sqlite_file)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)

    relaxed = app.debug or app.testing
    explicit = test_config or {}
    if relaxed:  # plain HTTP on a developer's machine, unless a test asks otherwise
        for key in ("SESSION_COOKIE_SECURE", "FORCE_HTTPS"):
            if key not in explicit:
                app.config[key] = False
    app.config.setdefault("MAIL_FILE_DIR", str(Path(app.instance_path) / "mail"))
    if not app.config.get("FILE_STORE"):
        app.config["FILE_STORE"] = str(Path(app.instance_path) / "files")
    if not app.config.get("ERASURE_LEDGER_FILE"):
        app.config["ERASURE_LEDGER_FILE"] = str(Path(app.instance_path) / "erasure-ledger.jsonl")
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = request_size_limit(app.config)
    if app.debug:
        follow_served_port(app.config, os.environ)
    if not relaxed and not running_check_command(sys.argv):
        refuse_unsafe_configuration(app.config)
        if app.config.get("TRUSTED_HOSTS") is None:
            app.config["TRUSTED_HOSTS"] = default_trusted_hosts(app.config)


# What a form sends besides its files: the text fields and the multipart envelope.
FORM_TEXT_MARGIN_BYTES = 1024 * 1024


def request_size_limit(config) -> int:
    """The largest request body: one message's attachments at their largest, and its text.

    Anything bigger is answered by the French 413 page before it is read.
    """
    files = config["TICKET_ATTACHMENT_MAX_FILES"] * config["TICKET_ATTACHMENT_MAX_BYTES"]
    return files + FORM_TEXT_MARGIN_BYTES


def default_trusted_hosts(config) -> list[str]:
    """The host of the portal's public address (``MAIL_BASE_URL``), the only one it serves."""
    host = urlsplit(config.get("MAIL_BASE_URL") or "").hostname
    return [host] if host else []


def sqlite_file_of(uri: str) -> str | None:
    """The file of a SQLite database URI; None for another database or an in-memory one."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") or url.database.startswith("file:"):
        return None  # a SQLite URI filename: left as configured
    return url.database


def follow_served_port(config, environ) -> None:
    """In development, point links in mails at the port being served, not the first run's.

    ``make run`` passes its port as ``FLASK_RUN_PORT`` (read by ``flask run`` as well). The
    local address written into ``instance/config.py`` at the first run is then replaced; a
    public address set by hand is kept.
    """
    port = str(environ.get("FLASK_RUN_PORT") or "")
    base = config.get("MAIL_BASE_URL")
    if not port.isdigit() or (base and urlsplit(base).hostname not in DEVELOPMENT_HOSTS):
        return
    config["MAIL_BASE_URL"] = f"http://127.0.0.1:{port}"


def engine_options(config) -> dict:
    """Engine options for the configured database: pooling for MySQL/MariaDB, timeout for SQLite."""
    uri = config["SQLALCHEMY_DATABASE_URI"]
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("mysql"):
        # Not on every checkout (a round trip per request): see MYSQL_PING_IDLE_S.
        options.setdefault("pool_pre_ping", False)
        # Rolled back on return only when needed: app.rollback_on_return_when_needed.
        options.setdefault("pool_reset_on_return", None)
        options.setdefault("pool_recycle", config["MYSQL_POOL_RECYCLE_S"])
        options.setdefault("connect_args", {}).setdefault("charset", "utf8mb4")
    elif uri.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault(
            "timeout", config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        )
    return options


def estimated_bits(text: str) -> float:
    """Shannon entropy of the characters of ``text``, times its length, in bits.

    An upper bound for a key made by hand (it does not see words or patterns), enough to
    catch a key of one repeated character or of very few.
    """
    counts = Counter(text)
    return -sum(n * math.log2(n / len(text)) for n in counts.values())


def is_repetition(text: str) -> bool:
    """True when ``text`` is a shorter piece repeated ("ab" * 20, "Password1!" * 4)."""
    return (text + text).find(text, 1) < len(text)


def secret_key_problem(key) -> str | None:
    """Why ``key`` is not fit for production, or None when it is."""
    if not key:
        return "SECRET_KEY est absente"
    key = str(key)
    too_weak = (
        f"SECRET_KEY est trop faible (au moins {MIN_SECRET_KEY_LENGTH} caractères aléatoires, "
        "par exemple python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    )
    if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in WEAK_SECRET_KEYS:
        return too_weak
    if (
        len(set(key)) < MIN_SECRET_KEY_DISTINCT
        or estimated_bits(key) < MIN_SECRET_KEY_BITS
        or is_repetition(key)
    ):
        return too_weak
    return None


def insecure_http_problem(config) -> str | None:
    """Why the settings would let sessions travel over plain HTTP, or None.

    ``ALLOW_INSECURE_HTTP`` is the deliberate way out (a TLS proxy that the app cannot see,
    a closed network); forgetting a setting is not.
    """
    if config.get("ALLOW_INSECURE_HTTP"):
        return None
    for key in ("SESSION_COOKIE_SECURE", "FORCE_HTTPS"):
        if not config.get(key):
            return f"{key} est désactivé (mettez ALLOW_INSECURE_HTTP=true si c'est voulu)"
    return None


def hash_keys_problem(config) -> str | None:
    """Why the keys of the keyed hashes are not fit for production, or None when they are."""
    missing = [name for name in HASH_KEY_SETTINGS if not config.get(name)]
    if not missing:
        return None
    return (
        f"{', '.join(missing)} absente(s) : une clé aléatoire chacune ; une installation "
        "existante garde ses données avec les valeurs que donne "
        "« FLASK_DEBUG=1 flask --app app crypto legacy-keys »"
    )


def unsafe_configuration_problems(config) -> list[str]:
    """Every reason why these production settings are unsafe (empty when they are fine)."""
    problems = [secret_key_problem(config.get("SECRET_KEY"))]
    if not config.get("FIELD_ENCRYPTION_KEYS"):
        problems.append(
            "FIELD_ENCRYPTION_KEYS est vide (clés de chiffrement des numéros de série, "
            "licences et secrets TOTP)"
        )
    problems.append(insecure_http_problem(config))
    if config.get("CAPTCHA_PROVIDER") == "off":
        problems.append("CAPTCHA_PROVIDER=off n'est permis qu'en développement ou en test")
    recaptcha_keys = config.get("RECAPTCHA_SITE_KEY") and config.get("RECAPTCHA_SECRET_KEY")
    if config.get("CAPTCHA_PROVIDER") == "recaptcha" and not recaptcha_keys:
        problems.append(
            "CAPTCHA_PROVIDER=recaptcha exige RECAPTCHA_SITE_KEY et RECAPTCHA_SECRET_KEY"
        )
    problems.append(hash_keys_problem(config))
    if not config.get("MAIL_BASE_URL"):
        # Links in mails (reset, verification) must not be built from a visitor-chosen Host.
        problems.append(
            "MAIL_BASE_URL (adresse publique du portail, pour les liens des e-mails) est absente"
        )
    return [problem for problem in problems if problem]


def refuse_unsafe_configuration(config) -> None:
    """Stop the process with a one-line reason when production settings are unsafe."""
    problems = unsafe_configuration_problems(config)
    if problems:
        sys.exit(f"Espace Client refuse de démarrer : {problems[0]}.")


def running_check_command(argv: list[str]) -> bool:
    """``flask --app app check``: it starts whatever the settings, to report every problem."""
    return argv[-1:] == ["check"]
