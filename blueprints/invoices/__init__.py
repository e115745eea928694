"""Invoices and credit notes (avoirs), their PDFs with Factur-X, payments and reminders.

The client's pages are under /invoices; the admins' under /admin/invoices and
/admin/clients/<id>/invoices. Rules (amounts, VAT, numbering, status) are in ``rules``; the PDF in
``document``.
"""

from flask import Blueprint

bp = Blueprint("invoices", __name__)
