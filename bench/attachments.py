"""What checking and keeping ticket attachments costs, per file of the largest allowed size.

    .venv/bin/python bench/attachments.py

For files of ``TICKET_ATTACHMENT_MAX_BYTES`` (10 MiB) of each kind (text log, PDF, Word
document, legacy Excel file, zip): the median time of ``upload_problems`` (size, type read from
the content) and of ``file_store.save`` (chunked copy, SHA-256, fsync, rename) over a few runs,
in a temporary file store. Nothing here is a test.

Measured on the development machine (2 shared cores, the test suite running beside it): the
check takes 0.04 to 1.1 ms whatever the size (only the first 64 KiB, or a zip's index and an
OLE file's directory, are read); saving takes 28 to 44 ms (230 to 360 MiB/s), so five files of
10 MiB add about 0.2 s to the request that sends them.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.datastructures import FileStorage  # noqa: E402

from app import create_app  # noqa: E402
from services import file_store  # noqa: E402
from services.uploads import upload_problems  # noqa: E402
from tests.fixtures import attachments as samples  # noqa: E402

RUNS = 5
MB = 1024 * 1024
WORD_TYPES = (
    '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)


def padded(content: bytes, size: int) -> bytes:
    return content + b"0" * (size - len(content))


def files_of(size: int) -> dict[str, bytes]:
    line = b"2026-12-03 07:00:00 INFO service started, nothing to report\n"
    return {
        "text log": (line * (size // len(line) + 1))[:size],
        "PDF": padded(samples.pdf(), size),
        "Word (docx)": samples.zipped(
            {
                "[Content_Types].xml": WORD_TYPES,
                "word/document.xml": b"<w/>",
                "word/media/image1.jpg": os.urandom(size - 2000),  # a photo: not compressible
            }
        ),
        "legacy Excel (OLE)": padded(samples.ole("Workbook"), size),
        "zip": samples.zipped({"photos/1.jpg": os.urandom(size - 500)}),
    }


def median_ms(action) -> float:
    times = []
    for _run in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-attachments-") as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijkl",
                "INSTANCE_PATH": folder,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
            }
        )
        size = app.config["TICKET_ATTACHMENT_MAX_BYTES"]
        with app.test_request_context():
            print(f"One file of {size / MB:.0f} MiB, median of {RUNS} runs")
            print(f"{'kind':<20} {'check (ms)':>11} {'save (ms)':>10} {'MiB/s saved':>12}")
            for kind, content in files_of(size).items():
                sent = FileStorage(io.BytesIO(content), filename="fichier")
                limits = {"max_files": 5, "max_bytes": size + MB, "quota_left": 10**12}
                assert upload_problems([sent], **limits) == [], kind
                check = median_ms(lambda s=sent, lim=limits: upload_problems([s], **lim))
                save = median_ms(lambda c=content: file_store.save(io.BytesIO(c)))
                rate = len(content) / MB / (save / 1000)
                print(f"{kind:<20} {check:>11.2f} {save:>10.1f} {rate:>12.0f}")


if __name__ == "__main__":
    main()
