"""The contract sheet: a PDF of a contract's terms ("Conditions particulières"), for the client
to keep and for the ZIP of their documents.

Written in French (the contract's language) with the font shipped with the project; made from
the contract as it is now, dated by its last change, so that two downloads of an unchanged
contract give the same bytes.
"""

from __future__ import annotations

from datetime import UTC, date

from flask import current_app

from blueprints.contracts.rules import refusal_deadline
from models.client import CATEGORY_INDIVIDUAL
from models.contract import RENEWAL_TACIT, Contract
from services.company_documents import (
    FONT,
    FONTS,
    buyer_address,
    seller_details,
    seller_lines,
)
from services.i18n import force_locale


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _euros(cents: int) -> str:
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", "\u202f") + f",{rest:02d} €"


def file_name(contract: Contract) -> str:
    return f"contrat-{contract.id}.pdf"


def terms(contract: Contract, invoice_numbers: dict[int, str]) -> list[tuple[str, str]]:
    """(label, value) of the contract's terms, in the order printed."""
    rows = [
        ("Contrat", contract.title),
        ("Type", str(contract.kind_label)),
        ("Statut", str(contract.status_label)),
        ("Début", _day(contract.starts_on)),
        ("Fin de la période en cours", _day(contract.ends_on)),
        ("Durée d'une période", f"{contract.term_months} mois"),
        ("Facturation", str(contract.billing_label)),
        (
            "Prix HT par période de facturation",
            f"{_euros(contract.price_cents)} (TVA {contract.vat_rate_bp / 100:g} %)".replace(
                ".", ","
            ),
        ),
        ("Renouvellement", str(contract.renewal_label)),
    ]
    if contract.renewal == RENEWAL_TACIT:
        rows.append(
            (
                "Préavis de non-reconduction",
                f"{contract.notice_days} jours, soit au plus tard le "
                f"{_day(refusal_deadline(contract))} pour la période en cours",
            )
        )
    if contract.non_renewal_requested_at:
        rows.append(
            ("Non-reconduction demandée le", _day(contract.non_renewal_requested_at.date()))
        )
    if contract.ended_at:
        rows.append(("Terminé le", _day(contract.ended_at.date())))
    return rows


def render_contract_pdf(contract: Contract, invoice_numbers: dict[int, str]) -> bytes:
    """The contract sheet of ``contract`` (its periods with their invoice numbers, if issued)."""
    client = contract.client
    with force_locale("fr"):
        rows = terms(contract, invoice_numbers)
    from fpdf import FPDF  # 33 MB in a worker: loaded by the first sheet made, not at start

    pdf = FPDF()
    changed = contract.updated_at or contract.created_at
    pdf.set_creation_date(changed.replace(tzinfo=UTC))
    pdf.set_title(f"Contrat n° {contract.id}")
    seller = seller_details(current_app.config)
    pdf.set_author(seller.get("name") or "")
    pdf.set_lang("fr-FR")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    pdf.set_font(FONT, "B", 15)
    pdf.cell(
        0, 9, f"Conditions particulières — contrat n° {contract.id}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 9)
    pdf.cell(90, 5, "Prestataire", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in seller_lines(seller):
        pdf.multi_cell(90, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(110, top)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(90, 5, "Client", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    client_lines = [client.display_name, *buyer_address(client).split("\n")] if client else []
    for line in filter(None, client_lines):
        pdf.multi_cell(90, 4.5, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 6)

    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(60, 130), text_align=("LEFT", "LEFT"), first_row_as_headings=False
    ) as table:
        for label, value in rows:
            table.row([label, value])
    pdf.ln(4)

    if contract.periods:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 6, "Périodes", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        with pdf.table(col_widths=(50, 50, 90)) as table:
            table.row(["Du", "Au", "Facture"])
            for period in sorted(contract.periods, key=lambda p: p.starts_on):
                number = invoice_numbers.get(period.invoice_id or 0, "")
                table.row([_day(period.starts_on), _day(period.ends_on), number])
        pdf.ln(4)

    pdf.set_font(FONT, size=8)
    if (
        contract.renewal == RENEWAL_TACIT
        and client is not None
        and client.category == CATEGORY_INDIVIDUAL
    ):
        pdf.multi_cell(
            0,
            4.2,
            "Conformément à l'article L215-1 du Code de la consommation, le client est informé "
            "par écrit, au plus tôt trois mois et au plus tard un mois avant le terme de la "
            "période autorisant le rejet de la reconduction, de la possibilité de ne pas "
            "reconduire le contrat.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if contract.notes:
        pdf.ln(2)
        pdf.multi_cell(0, 4.2, contract.notes, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def sheet_bytes(contract: Contract) -> bytes:
    """The contract sheet, with the numbers of the issued invoices of its periods."""
    import sqlalchemy as sa

    from models import db
    from models.invoice import STATUS_ISSUED, Invoice

    ids = [period.invoice_id for period in contract.periods if period.invoice_id]
    numbers = (
        dict(
            db.session.execute(
                sa.select(Invoice.id, Invoice.number).where(
                    Invoice.id.in_(ids), Invoice.status == STATUS_ISSUED
                )
            ).all()
        )
        if ids
        else {}
    )
    return render_contract_pdf(contract, numbers)


def contract_documents(client_id: int) -> list:
    """Every contract sheet of the client, for "all my documents": ``contrats/contrat-<id>.pdf``.

    Each is made when the archive reaches it (the contract read again then: a streamed
    response outlives the objects of the request).
    """
    import io

    import sqlalchemy as sa

    from models import db
    from services.client_documents import Document

    rows = db.session.execute(
        sa.select(Contract.id, Contract.updated_at)
        .where(Contract.client_id == client_id)
        .order_by(Contract.id)
    ).all()

    def opener(contract_id: int):
        return lambda: io.BytesIO(sheet_bytes(db.session.get(Contract, contract_id)))

    return [
        Document(name=f"contrats/contrat-{row.id}.pdf", open=opener(row.id), made_at=row.updated_at)
        for row in rows
    ]
