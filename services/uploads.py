"""Files that people send: what they really are, and whether the portal may keep them.

A file's type is read from its content, never from its name: the magic numbers of images,
PDF and RTF through ``puremagic``; inside a zip, the members that make a Word, Excel or
PowerPoint file (or an OpenDocument one); inside an OLE container (legacy Office), the
streams that name it; and plain text (notes, logs, CSV) when the bytes read as UTF-8, UTF-16
with its mark, or Windows Latin-1 without control characters. Only the types of
:data:`ALLOWED` are kept. Refused on purpose: web pages and SVG images (they carry scripts),
programs, and Office documents with macros.

A sent file is anything with a ``filename`` and a seekable binary ``stream`` (Werkzeug's
``FileStorage``); its stream is left where it was found.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import BinaryIO

import puremagic
from flask_babel import format_decimal

from services.i18n import gettext as _
from services.i18n import lazy_gettext as _l
from services.i18n import ngettext

SNIFF_BYTES = 64 * 1024  # what is read of a file to tell its type (text and magic numbers)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
PPTM = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
OLE_MACROS = "application/x-ole-macros"  # a legacy Office document with macros
OLE_OTHER = "application/x-ole-storage"  # an installer, an Outlook message...
ZIP = "application/zip"
TEXT = "text/plain"
CSV = "text/csv"
HTML = "text/html"
SVG = "image/svg+xml"
UNKNOWN = "application/octet-stream"

# Content type -> what it is, in the sender's words. Only these are kept.
ALLOWED = {
    "image/png": _l("image PNG"),
    "image/jpeg": _l("image JPEG"),
    "image/gif": _l("image GIF"),
    "image/webp": _l("image WebP"),
    "image/heif": _l("photo HEIF / HEIC"),
    "image/bmp": _l("image BMP"),
    "image/tiff": _l("image TIFF"),
    "application/pdf": _l("document PDF"),
    TEXT: _l("texte ou journal"),
    CSV: _l("tableau CSV"),
    "application/rtf": _l("document RTF"),
    DOCX: _l("document Word"),
    XLSX: _l("classeur Excel"),
    PPTX: _l("présentation PowerPoint"),
    DOC: _l("document Word (ancien format)"),
    XLS: _l("classeur Excel (ancien format)"),
    PPT: _l("présentation PowerPoint (ancien format)"),
    ODT: _l("texte OpenDocument"),
    ODS: _l("classeur OpenDocument"),
    ODP: _l("présentation OpenDocument"),
    ZIP: _l("archive zip"),
}
# What the refusal names, for the types people send by mistake.
REFUSED = {
    HTML: _l("page web"),
    SVG: _l("image SVG"),
    DOCM: _l("document Word avec macros"),
    XLSM: _l("classeur Excel avec macros"),
    PPTM: _l("présentation PowerPoint avec macros"),
    OLE_MACROS: _l("document Office avec macros"),
    "application/vnd.microsoft.portable-executable": _l("programme Windows"),
    "application/x-executable": _l("programme"),
}
ALLOWED_SUMMARY = _l(
    "images, PDF, textes et journaux, documents bureautiques (Word, Excel, PowerPoint, "
    "OpenDocument), archives zip"
)

# The endings a downloaded file of each type may keep; any other gets the first one added,
# so that a text named "run.bat" is not a script once saved on a computer.
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/heif": (".heic", ".heif"),
    "image/bmp": (".bmp",),
    "image/tiff": (".tif", ".tiff"),
    "application/pdf": (".pdf",),
    TEXT: (".txt", ".log", ".csv", ".md", ".json", ".ini", ".cfg", ".conf", ".nfo", ".out"),
    CSV: (".csv", ".txt"),
    "application/rtf": (".rtf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    DOC: (".doc", ".dot"),
    XLS: (".xls", ".xlt"),
    PPT: (".ppt", ".pps"),
    ODT: (".odt",),
    ODS: (".ods",),
    ODP: (".odp",),
    ZIP: (".zip",),
}

# puremagic's names -> the ones used here.
_MAGIC_ALIASES = {
    "image/x-ms-bmp": "image/bmp",
    "image/heic": "image/heif",
    "text/rtf": "application/rtf",
}
_MAGIC_TRUSTED = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/heif",
    "image/bmp",
    "image/tiff",
    "application/pdf",
    "application/rtf",
    HTML,
    SVG,
    "application/vnd.microsoft.portable-executable",
}
# A magic number this short also starts ordinary text ("BM" is a BMP, "BMW" a note).
_STRONG_MAGIC = 4
_ELF = b"\x7fELF"
_MACH_O = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Control characters that no text file holds (tab, line ends, form feed, the old end-of-file
# mark and escape, which colours logs, are fine).
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1c-\x1f\x7f-\x9f]")
# Text that opens like markup is read by browsers and editors as a page or an image.
_MARKUP = re.compile(r"<[a-z!?/]", re.I)


# --- What a file is --------------------------------------------------------------------------


def sniff(data: bytes | BinaryIO, filename: str | None = None) -> str | None:
    """The content type of ``data`` (bytes, or a seekable binary file), from its content.

    None for an empty file. ``filename`` decides nothing about what is accepted: of a text
    file named ``.csv``, it only makes a CSV table (opened by a spreadsheet on download).
    """
    with _reading(data) as stream:
        head = stream.read(SNIFF_BYTES)
        if not head:
            return None
        if head.startswith(_ZIP):
            return _zip_type(stream)
        if head.startswith(_OLE):
            return _ole_type(stream)
        if head.startswith(_ELF) or head.startswith(_MACH_O):
            return "application/x-executable"
        complete = len(head) < SNIFF_BYTES
        return (
            _magic_type(head, _STRONG_MAGIC)
            or _text_type(head, filename, complete=complete)
            or _magic_type(head, 1)
            or UNKNOWN
        )


class _reading:
    """``data`` as a binary stream at its start; a file is put back where it stood."""

    def __init__(self, data):
        self.stream = io.BytesIO(bytes(data)) if isinstance(data, bytes | bytearray) else data

    def __enter__(self) -> BinaryIO:
        self.position = self.stream.tell()
        self.stream.seek(0)
        return self.stream

    def __exit__(self, *exc_info):
        self.stream.seek(self.position)


def _magic_type(head: bytes, min_length: int) -> str | None:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.offset < 0 or len(match.byte_match) < min_length:
            continue  # a footer is read at the end of the whole file, not of its head
        mime = _MAGIC_ALIASES.get(match.mime_type, match.mime_type)
        if mime in _MAGIC_TRUSTED:
            return mime
    return None


def _text_type(head: bytes, filename: str | None, *, complete: bool) -> str | None:
    text = _as_text(head, complete=complete)
    if text is None or _NOT_TEXT.search(text):
        return None
    opening = text.lstrip("\ufeff \t\r\n")[:1024]
    if _MARKUP.match(opening):
        return SVG if "<svg" in opening.lower() else HTML
    if filename and filename.lower().endswith(".csv"):
        return CSV
    return TEXT


def _as_text(head: bytes, *, complete: bool) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return decoder.decode(head, final=complete)
        except UnicodeDecodeError:
            continue
    return None


# Zip containers: Office Open XML, OpenDocument, or a plain archive.
_OOXML_MAIN = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"wordprocessingml.template.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"spreadsheetml.template.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
    b"presentationml.slideshow.main+xml": PPTX,
    b"ms-word.document.macroenabled.main+xml": DOCM,
    b"ms-word.template.macroenabledtemplate.main+xml": DOCM,
    b"ms-excel.sheet.macroenabled.main+xml": XLSM,
    b"ms-excel.template.macroenabled.main+xml": XLSM,
    b"ms-excel.sheet.binary.macroenabled.main": XLSM,
    b"ms-powerpoint.presentation.macroenabled.main+xml": PPTM,
    b"ms-powerpoint.slideshow.macroenabled.main+xml": PPTM,
}
_MACRO_OF = {DOCX: DOCM, XLSX: XLSM, PPTX: PPTM}
_ODF = {ODT.encode(): ODT, ODS.encode(): ODS, ODP.encode(): ODP}
_SMALL_MEMBER = 1024 * 1024  # [Content_Types].xml and mimetype are a few kilobytes


def _zip_type(stream: BinaryIO) -> str | None:
    """An Office or OpenDocument file by the members that make it, else a zip archive."""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = {info.filename: info for info in archive.infolist()}
            mimetype = members.get("mimetype")
            if mimetype is not None and mimetype.file_size <= 100:
                found = _ODF.get(archive.read(mimetype).strip())
                if found:
                    return found
            types = members.get("[Content_Types].xml")
            if types is not None and types.file_size <= _SMALL_MEMBER:
                declared = archive.read(types).lower()
                for marker, found in _OOXML_MAIN.items():
                    if marker in declared:
                        has_macros = any(
                            name.lower().endswith("vbaproject.bin") for name in members
                        )
                        return _MACRO_OF.get(found, found) if has_macros else found
            return ZIP
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError):
        return None  # not a readable zip (damaged, or its index encrypted)


# OLE compound files (legacy Office): the names of the streams tell Word from Excel, and a
# program (an .msi installer is one too) from a document.
_OLE_FREE = 0xFFFFFFFF
_OLE_END = 0xFFFFFFFE
_OLE_MAX_SECTORS = 100_000


def _ole_type(stream: BinaryIO) -> str | None:
    """A legacy Word, Excel or PowerPoint file, one with macros, or another OLE file."""
    try:
        names = _ole_entry_names(stream)
    except (struct.error, ValueError, OSError):
        return None
    if names & {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}:
        return OLE_MACROS
    if "WordDocument" in names:
        return DOC
    if names & {"Workbook", "Book"}:
        return XLS
    if "PowerPoint Document" in names:
        return PPT
    return OLE_OTHER


def _ole_entry_names(stream: BinaryIO) -> set[str]:
    stream.seek(0)
    header = stream.read(512)
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("not an OLE sector size")
    size = 1 << shift
    fat_count, first_directory = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s != _OLE_FREE]
    per_sector = size // 4
    # Chains are followed at most once around the file: a looping chain ends there.
    stream.seek(0, os.SEEK_END)
    sector_count = min(stream.tell() // size, _OLE_MAX_SECTORS)

    def sector(number: int) -> bytes:
        stream.seek((number + 1) * size)
        data = stream.read(size)
        if len(data) != size:
            raise ValueError("truncated OLE file")
        return data

    next_difat, seen = first_difat, 0
    while next_difat not in (_OLE_END, _OLE_FREE) and seen < min(difat_count, sector_count):
        entries = struct.unpack(f"<{per_sector}I", sector(next_difat))
        fat_sectors += [s for s in entries[:-1] if s != _OLE_FREE]
        next_difat, seen = entries[-1], seen + 1
    fat: list[int] = []
    for number in fat_sectors[: min(fat_count, sector_count)]:
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))

    names: set[str] = set()
    current, visited = first_directory, 0
    while current < len(fat) and visited < sector_count:
        block = sector(current)
        for start in range(0, size, 128):
            length = struct.unpack_from("<H", block, start + 0x40)[0]
            if 2 <= length <= 64:
                names.add(block[start : start + length - 2].decode("utf-16-le", "replace"))
        current, visited = fat[current], visited + 1
    return names


# --- Sent files ------------------------------------------------------------------------------


def chosen_files(files: Iterable) -> list:
    """The files really chosen: a form without a file still sends one empty, nameless part."""
    return [f for f in files or () if f is not None and getattr(f, "filename", None)]


def stream_size(stream: BinaryIO) -> int:
    """The size of a seekable file in bytes; its position is kept."""
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def clean_filename(name: str | None) -> str:
    """The name a person gave their file, fit to show and to offer on download.

    Only the last part of a path; no control or invisible characters; at most 255 characters,
    the ending kept. Never used to find a file on disk.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip().lstrip(".").strip()
    if len(name) > 255:
        stem, dot, ending = name.rpartition(".")
        ending = ending[:20] if dot else ""
        name = (stem if dot else name)[: 255 - len(ending) - 1] + (f".{ending}" if ending else "")
    return name or _("fichier")


def download_name(filename: str, content_type: str) -> str:
    """``filename`` with an ending that matches what the file is (``run.bat`` of text:
    ``run.bat.txt``), so that a computer opens it as what it is."""
    endings = EXTENSIONS.get(content_type)
    if not endings or filename.lower().endswith(endings):
        return filename
    return filename + endings[0]


def format_size(size: int) -> str:
    """A size as people read it, in the reader's language: « 512 octets », « 12,3 Mo »."""
    if size < 1024:
        return ngettext("%(num)d octet", "%(num)d octets", size)
    units = (_l("%(size)s ko"), _l("%(size)s Mo"), _l("%(size)s Go"))
    value = size / 1024
    index = 0
    while value >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    return str(units[index]) % {"size": format_decimal(value, format="#,##0.#")}


def type_label(content_type: str) -> str:
    """What a file of ``content_type`` is, in words."""
    return str(ALLOWED.get(content_type) or REFUSED.get(content_type) or content_type)


def upload_problems(
    files: Iterable, *, max_files: int, max_bytes: int, quota_left: int
) -> list[str]:
    """What is wrong with the files sent together, in French, each naming its file.

    Empty when they may be kept: at most ``max_files``, none empty, none over ``max_bytes``,
    each of an :data:`ALLOWED` type, all together within ``quota_left`` bytes.
    """
    files = chosen_files(files)
    problems = []
    if len(files) > max_files:
        problems.append(
            ngettext(
                "Vous pouvez joindre %(num)d fichier au plus à la fois ; vous en avez choisi "
                "%(chosen)d.",
                "Vous pouvez joindre %(num)d fichiers au plus à la fois ; vous en avez choisi "
                "%(chosen)d.",
                max_files,
                chosen=len(files),
            )
        )
    total = 0
    for sent in files:
        name = clean_filename(sent.filename)
        size = stream_size(sent.stream)
        total += size
        if size == 0:
            problems.append(_("« %(name)s » est vide.", name=name))
        elif size > max_bytes:
            problems.append(
                _(
                    "« %(name)s » pèse %(size)s : la limite est de %(limit)s par fichier.",
                    name=name,
                    size=format_size(size),
                    limit=format_size(max_bytes),
                )
            )
        else:
            problems.extend(_type_problems(sent, name))
    if files and quota_left <= 0:
        problems.append(
            _(
                "Votre espace pour les pièces jointes est plein : aucun fichier ne peut plus "
                "être joint. Décrivez votre demande sans fichier, nous vous répondrons."
            )
        )
    elif total > quota_left:
        problems.append(
            _(
                "Il vous reste %(left)s pour les pièces jointes, et ces fichiers pèsent "
                "%(total)s. Envoyez moins de fichiers ou des fichiers plus légers.",
                left=format_size(quota_left),
                total=format_size(total),
            )
        )
    return problems


def _type_problems(sent, name: str) -> list[str]:
    content_type = sniff(sent.stream, sent.filename)
    if content_type in ALLOWED:
        return []
    if content_type in REFUSED:
        refusal = _(
            "« %(name)s » est un fichier de type « %(kind)s », qui n'est pas accepté.",
            name=name,
            kind=REFUSED[content_type],
        )
    else:
        refusal = _("« %(name)s » n'est pas d'un type accepté.", name=name)
    return [refusal + " " + _("Types acceptés : %(types)s.", types=ALLOWED_SUMMARY)]
