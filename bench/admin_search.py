"""Admin client search at scale: fill a database with N clients (100,000 by default), time it.

    .venv/bin/python bench/admin_search.py                      # a temporary SQLite file
    .venv/bin/python bench/admin_search.py --database-url "mysql+pymysql://root@127.0.0.1:3306/test_profile?charset=utf8mb4"

The tables of the given database are DROPPED and re-created unless they already hold at least N
clients (then they are reused, so a second run only times). Never point it at real data.
Prints, for each kind of query, the median and 95th percentile time of one results page.

Measured on the development machine (2 shared cores), 100,000 clients, 720,402 search terms,
one device each, one page of 25, with the serial-number search of the devices area plugged in:
SQLite 3.40 — every query under 31 ms median (broadest: one letter "b", 30 ms; "mar", 14 ms;
phone, e-mail, SIREN, serial number, no match under 1 ms); MariaDB 10.11 — broadest "mar"
53 ms median, "b" 13 ms, "marie martin" 7 ms, phone/e-mail/SIREN/serial/no match under 2 ms,
first page without query 2 ms. The matching ids are one set (terms intersected, extensions
united) joined to the client table: with the extensions OR-ed as conditions, MariaDB walked
every client in name order and a query that finds one client took 200-270 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from blueprints.devices.rules import serial_index  # noqa: E402
from models import db, utcnow  # noqa: E402
from models.client import Client  # noqa: E402
from models.client_search_index import ClientSearchTerm, client_sort_key, client_terms  # noqa: E402
from models.device import Device  # noqa: E402
from models.user import User  # noqa: E402
from services.client_search import search_clients  # noqa: E402

LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefevre",
    "Faure",
    "Andre",
    "Mercier",
    "Blanc",
    "Guerin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
]
FIRST_NAMES = [
    "Marie",
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Anne",
    "Christine",
    "Monique",
    "Patrick",
    "Nicolas",
    "Christophe",
    "Stéphane",
    "Sandrine",
    "Laurent",
    "Julien",
    "David",
    "Céline",
    "Éric",
    "Frédéric",
    "Valérie",
    "Sophie",
    "Thierry",
    "Camille",
    "Léa",
    "Manon",
    "Emma",
    "Chloé",
    "Inès",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Hélène",
    "Agnès",
    "Bernard",
    "Claude",
    "Daniel",
    "Dominique",
    "Gérard",
    "Jacques",
    "Alain",
]
COMPANY_WORDS = [
    "Informatique",
    "Conseil",
    "Services",
    "Bâtiment",
    "Boulangerie",
    "Pharmacie",
    "Cabinet",
    "Garage",
    "Immobilier",
    "Transports",
    "Hôtel",
    "Restaurant",
    "Atelier",
    "Studio",
    "Agence",
    "Plomberie",
    "Électricité",
    "Jardins",
    "Marine",
]
LEGAL_FORMS = ("SARL", "SAS", "EURL", "SCI", "SA")
BATCH = 5000


def fake_clients(count: int, seed: int = 2026):
    """Deterministic synthetic clients: (user row, client row, terms)."""
    rng = random.Random(seed)
    now = utcnow()
    for n in range(1, count + 1):
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        email = f"{first}.{last}.{n}@exemple{n % 50}.fr".lower()
        phone = f"+33{rng.choice('67')}{rng.randrange(10**8):08d}"
        business = rng.random() < 0.3
        category = "professionnel" if business else "particulier"
        company = (
            f"{rng.choice(COMPANY_WORDS)} {last} {rng.choice(LEGAL_FORMS)}" if business else None
        )
        siret = f"{rng.randrange(10**14):014d}" if business else None
        user = {
            "id": n,
            "email": email,
            "email_canonical": email,
            "role": "client",
            "is_enabled": True,
            "created_at": now,
            "session_version": 1,
        }
        client = {
            "id": n,
            "user_id": n,
            "category": category,
            "last_name": last,
            "first_name": first,
            "phone": phone,
            "company_name": company,
            "siret": siret,
            "country": "FR",
            "created_at": now,
            "updated_at": now,
            "sort_key": client_sort_key(
                category=category,
                last_name=last,
                first_name=first,
                company_name=company,
                email=email,
            ),
        }
        terms = client_terms(
            email=email,
            last_name=last,
            first_name=first,
            company_name=company,
            phone=phone,
            siret=siret,
        )
        yield user, client, [{"term": t, "client_id": n} for t in terms]


def fill(count: int) -> None:
    """Drop, create and fill the tables with ``count`` clients."""
    db.drop_all()
    db.create_all()
    users, clients, terms, devices = [], [], [], []
    started = time.perf_counter()

    def flush():
        db.session.execute(sa.insert(User), users)
        db.session.execute(sa.insert(Client), clients)
        db.session.execute(sa.insert(ClientSearchTerm), terms)
        db.session.execute(sa.insert(Device), devices)
        db.session.commit()
        users.clear(), clients.clear(), terms.clear(), devices.clear()

    for user, client, client_terms_rows in fake_clients(count):
        users.append(user)
        clients.append(client)
        terms.extend(client_terms_rows)
        # One device each, with the blind index of its serial number (the search reads only
        # the index; the encrypted value is left out, it plays no part in the timing).
        devices.append(
            {
                "client_id": client["id"],
                "name": "PC",
                "type": "laptop",
                "serial_number_index": serial_index(f"SN{client['id']:08d}"),
            }
        )
        if len(users) >= BATCH:
            flush()
    if users:
        flush()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(ClientSearchTerm))
    print(f"filled {count} clients, {rows} search terms in {time.perf_counter() - started:.0f} s")


QUERIES = [
    ("first page, no query", "", False),
    ("next page, no query", "", True),
    ("common last name prefix 'mar'", "mar", False),
    ("next page of 'mar'", "mar", True),
    ("first and last name 'marie martin'", "marie martin", False),
    ("one letter 'b'", "b", False),
    ("e-mail prefix 'jean.dupont.'", "jean.dupont.", False),
    ("e-mail, whole address of client 1", "{email}", False),
    ("phone, national '06 12 34'", "06 12 34", False),
    ("phone, international '+33 7 55'", "+33 7 55", False),
    ("company word 'boulangerie'", "boulangerie", False),
    ("SIREN of a client", "{siren}", False),
    ("serial number of a device", "sn-{serial:08d}", False),
    ("no match 'zzzz'", "zzzz", False),
]


def time_queries(repeat: int, page_size: int) -> None:
    known = {
        "serial": (db.session.scalar(sa.select(sa.func.max(Device.client_id))) or 0) // 2,
        "email": db.session.scalar(sa.select(User.email).order_by(User.id).limit(1)),
        "siren": db.session.scalar(
            sa.select(Client.siret).where(Client.siret.is_not(None)).order_by(Client.id).limit(1)
        )[:9],
    }
    print(f"{'query':40} {'median ms':>10} {'p95 ms':>8} {'rows':>5}")
    for label, text, next_page in QUERIES:
        text = text.format(**known)
        after = None
        if next_page:
            _, after = search_clients(text, None, page_size)
        timings, rows = [], []
        for _ in range(repeat):
            db.session.expunge_all()
            started = time.perf_counter()
            rows, _ = search_clients(text, after, page_size)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"{label:40} {statistics.median(timings):10.1f} {p95:8.1f} {len(rows):5d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-admin-search-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        if url.startswith("mysql"):
            from bench.run import prepare_mariadb

            problem = prepare_mariadb(url)  # made when missing, emptied
            if problem:
                raise SystemExit(f"MariaDB injoignable : {problem}")
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijkl",
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": tmp,
            }
        )
        with app.app_context():
            with db.engine.connect():  # the server version is known once connected
                dialect = db.engine.dialect
            print(f"database: {dialect.name} {dialect.server_version_info}")
            inspector = sa.inspect(db.engine)
            existing = 0
            if inspector.has_table("client_search_term") and inspector.has_table("client"):
                existing = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
            if existing >= args.clients:
                print(f"reusing {existing} clients already in the database")
            else:
                fill(args.clients)
            time_queries(args.repeat, args.page_size)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
