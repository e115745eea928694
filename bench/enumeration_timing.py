"""Does the time of an answer tell who has an account? Median times of both branches.

    .venv/bin/python bench/enumeration_timing.py               # 25 rounds, a temporary SQLite file
    .venv/bin/python bench/enumeration_timing.py --rounds 60

Through the test client (no network), with the production password-hashing parameters of
``settings.Defaults``, on a fresh SQLite file in a temporary folder. For each round, in turn:
register an address that has an account / a new one; ask for a reset link for a known address
/ an unknown one; ask for a new verification link for an unverified account / an unknown
address. Mails are queued as in production but not delivered (``MAIL_SEND_AFTER_COMMIT`` off:
delivery happens after the response, out of the visitor's timing). Prints the medians and
their difference; bounded by ``--rounds`` (at most 200).

Measured on the development machine (2 shared cores, other work running), 25 rounds, before the
fix: register existing 27 ms / new 110 ms; reset known 22 ms / unknown 8 ms. After: see the
commit that added this script and the README's Performance section.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from models import db, utcnow  # noqa: E402
from models.client import Client  # noqa: E402
from models.user import ROLE_CLIENT, User  # noqa: E402
from services.passwords import hash_password  # noqa: E402

PASSWORD = "Banc-Essai-Enumeration-2026!"  # noqa: S105 - a benchmark account
MAX_ROUNDS = 200


def make_app(folder: Path):
    app = create_app(
        {
            "TESTING": True,  # the test client, no CAPTCHA; hashing keeps production parameters
            "SECRET_KEY": "bench-enumeration-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "CAPTCHA_PROVIDER": "off",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(folder / "mail"),
            "MAIL_SEND_AFTER_COMMIT": False,
            "FIELD_ENCRYPTION_KEYS": ["YmVuY2gtZW51bWVyYXRpb24ta2V5LTAxMjM0NTY3ODk="],
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        db.create_all()
        for email, verified in (("connu@example.fr", True), ("attente@example.fr", False)):
            user = User(
                email=email,
                email_canonical=email,
                password_hash=hash_password(PASSWORD),
                role=ROLE_CLIENT,
                email_verified_at=utcnow() if verified else None,
            )
            db.session.add_all([user, Client(user=user, last_name="Banc", first_name="Essai")])
        db.session.commit()
    return app


def timed(client, path: str, data: dict) -> float:
    start = time.perf_counter()
    response = client.post(path, data=data)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 303:
        raise SystemExit(f"{path}: {response.status_code} (attendu : 303)")
    return elapsed


def registration(email: str) -> dict:
    return {
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "category": "particulier",
        "accept_privacy": "y",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    rounds = min(max(parser.parse_args().rounds, 1), MAX_ROUNDS)
    pairs = {
        "register": ("existing address", "new address"),
        "reset": ("known address", "unknown address"),
        "resend verification": ("unverified account", "unknown address"),
    }
    times = {(kind, branch): [] for kind, branches in pairs.items() for branch in branches}
    with tempfile.TemporaryDirectory(prefix="bench-enumeration-") as folder:
        app = make_app(Path(folder))
        client = app.test_client()
        timed(client, "/auth/reset", {"email": "chauffe@example.fr"})  # templates, caches
        for n in range(rounds):
            times["register", "existing address"].append(
                timed(client, "/auth/register", registration("connu@example.fr"))
            )
            times["register", "new address"].append(
                timed(client, "/auth/register", registration(f"nouveau{n}@example.fr"))
            )
            times["reset", "known address"].append(
                timed(client, "/auth/reset", {"email": "connu@example.fr"})
            )
            times["reset", "unknown address"].append(
                timed(client, "/auth/reset", {"email": f"inconnu{n}@example.fr"})
            )
            times["resend verification", "unverified account"].append(
                timed(client, "/auth/verify/resend", {"email": "attente@example.fr"})
            )
            times["resend verification", "unknown address"].append(
                timed(client, "/auth/verify/resend", {"email": f"inconnu{n}@example.fr"})
            )
        with app.app_context():
            db.engine.dispose()
    print(f"{rounds} rounds, median ms (test client, SQLite, production hashing)")
    for kind, (first, second) in pairs.items():
        a = statistics.median(times[kind, first])
        b = statistics.median(times[kind, second])
        print(f"{kind:20} {first:>20} {a:7.1f}   {second:>16} {b:7.1f}   difference {a - b:+6.1f}")


if __name__ == "__main__":
    main()
