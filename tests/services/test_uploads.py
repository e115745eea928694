"""Sent files: the type comes from the content, never the name; limits and quota in French."""

from __future__ import annotations

import io

import pytest

from services import uploads
from services.uploads import (
    ALLOWED,
    clean_filename,
    download_name,
    format_size,
    sniff,
    upload_problems,
)
from tests.fixtures import attachments as samples
from tests.fixtures.attachments import sent

MB = 1024 * 1024
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_IMAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


ACCEPTED = [
    ("png", samples.png(), "image/png"),
    ("jpeg", samples.jpeg(), "image/jpeg"),
    ("gif", samples.gif(), "image/gif"),
    ("pdf", samples.pdf(), "application/pdf"),
    ("docx", samples.docx(), uploads.DOCX),
    ("xlsx", samples.xlsx(), uploads.XLSX),
    ("pptx", samples.pptx(), uploads.PPTX),
    ("odt", samples.opendocument("text"), uploads.ODT),
    ("ods", samples.opendocument("spreadsheet"), uploads.ODS),
    ("doc", samples.ole("WordDocument", "1Table"), uploads.DOC),
    ("xls", samples.ole("Workbook"), uploads.XLS),
    ("ppt", samples.ole("PowerPoint Document", "Current User"), uploads.PPT),
    ("zip", samples.zipped({"journal.txt": "erreur disque"}), uploads.ZIP),
    ("rtf", b"{\\rtf1\\ansi Bonjour}", "application/rtf"),
    ("text", "Bonjour, l'imprimante ne répond plus.\n".encode(), uploads.TEXT),
    ("log", b"2026-12-03 07:01:02 ERROR disk C: full\r\n\x1b[31mred\x1b[0m\n", uploads.TEXT),
    ("latin-1", "Écran noir après la mise à jour\r\n".encode("cp1252"), uploads.TEXT),
    ("utf-16", "Configuration IP de Windows\r\n".encode("utf-16"), uploads.TEXT),
    ("starts like BMP", b"BMW garee devant le bureau\n", uploads.TEXT),
]


@pytest.mark.parametrize(
    ("content", "expected"), [(c, e) for _k, c, e in ACCEPTED], ids=[k for k, _c, _e in ACCEPTED]
)
def test_accepted_types_are_read_from_the_content(content, expected):
    assert sniff(content) == expected
    assert expected in ALLOWED


REFUSED = [
    ("ELF program named .pdf", samples.elf(), "facture.pdf", "application/x-executable"),
    ("Windows program named .jpg", samples.windows_program(), "photo.jpg", None),
    ("HTML page named .pdf", HTML_PAGE, "facture.pdf", uploads.HTML),
    ("HTML page named .txt", b"\xef\xbb\xbf\n  <html><p>bonjour", "note.txt", uploads.HTML),
    ("SVG with a script", SVG_IMAGE, "logo.png", uploads.SVG),
    ("Word with macros", samples.docm(), "contrat.docx", uploads.DOCM),
    ("Excel with macros", samples.xlsm(), "budget.xlsx", uploads.XLSM),
    ("legacy Word with macros", samples.ole("WordDocument", "Macros"), "a.doc", None),
    ("installer (OLE)", samples.ole("!_StringData", "!File"), "setup.doc", uploads.OLE_OTHER),
    ("binary data", bytes(range(256)) * 4, "donnees.txt", None),
    ("damaged zip", b"PK\x03\x04" + b"\x00" * 100, "archive.zip", None),
]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [(c, f, e) for _k, c, f, e in REFUSED],
    ids=[k for k, *_rest in REFUSED],
)
def test_dangerous_or_unknown_content_is_refused_whatever_its_name(content, filename, expected):
    found = sniff(content, filename)
    assert found not in ALLOWED
    if expected:
        assert found == expected


def test_a_text_mentioning_a_script_is_a_plain_text():
    """A log may quote markup; served as text/plain with nosniff, as a download, it never runs.
    Only a file that opens like a page or an SVG image is refused."""
    log = b"12:00 requete bloquee : <script>alert(1)</script>\n12:01 ok\n"
    assert sniff(log, "journal.txt") == uploads.TEXT


def test_the_name_never_decides_but_a_csv_text_is_a_table():
    assert sniff(samples.png(), "notes.txt") == "image/png"
    assert sniff(b"nom;prenom\nMartin;Marie\n", "contacts.csv") == uploads.CSV
    assert sniff(b"nom;prenom\nMartin;Marie\n", "contacts.txt") == uploads.TEXT


def test_a_hostile_office_file_whose_chains_loop_is_read_at_once():
    assert sniff(samples.ole("WordDocument", looping=True)) == uploads.DOC


def test_an_empty_file_has_no_type():
    assert sniff(b"") is None


def test_sniffing_a_file_leaves_it_where_it_was():
    stream = io.BytesIO(samples.docx())
    stream.seek(10)
    assert sniff(stream) == uploads.DOCX
    assert stream.tell() == 10


def test_a_long_text_is_told_by_its_beginning():
    text = ("ligne de journal é\n" * 20_000).encode()  # more than SNIFF_BYTES, cut mid-character
    assert len(text) > uploads.SNIFF_BYTES
    assert sniff(text) == uploads.TEXT


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\marie\\Bureau\\facture.pdf", "facture.pdf"),
        ("../../etc/passwd", "passwd"),
        ("rapport\x00.pdf\n", "rapport.pdf"),
        ("\u202egnp.exe", "gnp.exe"),  # right-to-left override hides the real ending
        ("...cache", "cache"),
        ("", "fichier"),
        (None, "fichier"),
        ("é" * 300 + ".pdf", "é" * 251 + ".pdf"),
    ],
)
def test_names_are_cleaned_for_display_and_download(request_context, given, expected):
    assert clean_filename(given) == expected


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("photo.JPG", "image/jpeg", "photo.JPG"),
        ("journal.log", uploads.TEXT, "journal.log"),
        ("lancer.bat", uploads.TEXT, "lancer.bat.txt"),
        ("page.html", uploads.TEXT, "page.html.txt"),
        ("photo.exe", "image/png", "photo.exe.png"),
        ("outil.jar", uploads.ZIP, "outil.jar.zip"),
        ("facture", "application/pdf", "facture.pdf"),
    ],
)
def test_the_download_name_ends_as_what_the_file_is(filename, content_type, expected):
    assert download_name(filename, content_type) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (1, "1 octet"),
        (512, "512 octets"),
        (1024, "1 ko"),
        (10 * MB, "10 Mo"),
        (12_900_000, "12,3 Mo"),
    ],
)
def test_sizes_in_french_units(request_context, size, expected):
    assert format_size(size) == expected


LIMITS = {"max_files": 5, "max_bytes": 10 * MB, "quota_left": 200 * MB}


def test_good_files_have_no_problem(request_context):
    files = [sent("photo.png", samples.png()), sent("facture.pdf", samples.pdf())]
    assert upload_problems(files, **LIMITS) == []


def test_the_empty_part_of_a_form_without_file_is_ignored(request_context):
    assert upload_problems([sent("", b"")], **LIMITS) == []


def test_too_many_files(request_context):
    files = [sent(f"photo{i}.png", samples.png()) for i in range(6)]
    assert upload_problems(files, **LIMITS) == [
        "Vous pouvez joindre 5 fichiers au plus à la fois ; vous en avez choisi 6."
    ]


def test_a_file_too_large_is_named_with_its_size_and_the_limit(request_context):
    big = sent("scan.pdf", samples.pdf() + b"0" * (11 * MB))
    assert upload_problems([big], **LIMITS) == [
        "« scan.pdf » pèse 11 Mo : la limite est de 10 Mo par fichier."
    ]


def test_an_empty_file_is_named(request_context):
    assert upload_problems([sent("vide.txt", b"")], **LIMITS) == ["« vide.txt » est vide."]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("facture.pdf", HTML_PAGE, "« facture.pdf » est un fichier de type « page web »"),
        ("logo.svg", SVG_IMAGE, "« logo.svg » est un fichier de type « image SVG »"),
        (
            "outil.pdf",
            samples.windows_program(),
            "« outil.pdf » est un fichier de type « programme Windows »",
        ),
        (
            "contrat.docx",
            samples.docm(),
            "« contrat.docx » est un fichier de type « document Word avec macros »",
        ),
        ("donnees.bin", bytes(range(256)), "« donnees.bin » n'est pas d'un type accepté."),
    ],
)
def test_a_refused_type_is_named_with_the_accepted_ones(request_context, name, content, said):
    [problem] = upload_problems([sent(name, content)], **LIMITS)
    assert problem.startswith(said)
    assert "Types acceptés : images, PDF, textes et journaux" in problem


def test_the_quota_left_counts_all_files_together(request_context):
    files = [sent(f"log{i}.txt", b"a" * (3 * MB)) for i in range(2)]
    limits = dict(LIMITS, quota_left=5 * MB)
    assert upload_problems(files, **limits) == [
        "Il vous reste 5 Mo pour les pièces jointes, et ces fichiers pèsent 6 Mo. "
        "Envoyez moins de fichiers ou des fichiers plus légers."
    ]


def test_a_full_quota_refuses_any_file(request_context):
    limits = dict(LIMITS, quota_left=-10)
    [problem] = upload_problems([sent("a.txt", b"a")], **limits)
    assert problem.startswith("Votre espace pour les pièces jointes est plein")


def test_every_problem_is_said_at_once(request_context):
    files = [
        sent("vide.txt", b""),
        sent("page.pdf", HTML_PAGE),
        sent("ok.png", samples.png()),
    ]
    problems = upload_problems(files, **LIMITS)
    assert len(problems) == 2
    assert "vide.txt" in problems[0] and "page.pdf" in problems[1]
