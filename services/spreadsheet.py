"""CSV for spreadsheets: semicolon-separated (what French spreadsheets expect), never a formula."""

from __future__ import annotations

import csv
import io

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets spreadsheets read UTF-8


def safe_cell(value) -> str:
    """``value`` as CSV text that a spreadsheet shows but never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow([safe_cell(v) for v in values])
    return buffer.getvalue()
