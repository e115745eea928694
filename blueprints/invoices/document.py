"""The PDF of an issued invoice or credit note: French mentions, PDF/A-3 with its Factur-X XML.

Written in French whatever the reader's language: an invoice is a French legal document, and
its text is what the company issued. Made once, at issue, from the frozen invoice (fpdf2 with the DejaVu Sans font shipped in
``static/fonts``), then kept in the file store: every download sends the same bytes. The
embedded XML is the CII of the Factur-X BASIC profile, checked against its schema when embedded.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

from lxml import etree

from blueprints.invoices.rules import (
    RECOVERY_FEE_EUROS,
    VAT_EXEMPT_MENTION,
    VAT_ON_DEBITS_MENTION,
    format_cents,
    format_quantity,
    format_rate,
    net_of,
    totals,
)
from models.invoice import KIND_CREDIT_NOTE, Invoice
from services.company_documents import FONT, FONTS, seller_lines

FACTURX_LEVEL = "basic"
FACTURX_GUIDELINE = "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic"
TYPE_CODES = {"invoice": "380", KIND_CREDIT_NOTE: "381"}


def french_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def title_of(invoice: Invoice) -> str:
    return "Avoir" if invoice.kind == KIND_CREDIT_NOTE else "Facture"


def file_name(invoice: Invoice) -> str:
    """The name a downloaded PDF gets: ``facture-2026-00042.pdf``."""
    return f"{title_of(invoice).lower()}-{invoice.number}.pdf"


def mentions(invoice: Invoice) -> list[str]:
    """The legal mentions at the foot of the invoice, in the order they are printed."""
    seller = invoice.seller or {}
    lines = []
    if seller.get("vat_exempt"):
        lines.append(VAT_EXEMPT_MENTION)
    if seller.get("vat_on_debits"):
        lines.append(VAT_ON_DEBITS_MENTION)
    if invoice.kind == KIND_CREDIT_NOTE:
        return lines
    lines.append(f"Date d'échéance du paiement : {french_date(invoice.due_on)}")
    if invoice.buyer_is_professional:
        rate = seller.get("late_penalty_rate") or "trois fois le taux d'intérêt légal"
        lines.append(f"Pénalités de retard : {rate}, exigibles dès le lendemain de l'échéance.")
        lines.append(
            f"Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
            f"{RECOVERY_FEE_EUROS} € (art. L441-10 du Code de commerce)."
        )
        lines.append(seller.get("early_payment") or "Pas d'escompte pour paiement anticipé.")
    if seller.get("iban"):
        lines.append(f"Règlement par virement : IBAN {seller['iban']}")
    return lines


def buyer_lines(invoice: Invoice) -> list[str]:
    lines = [invoice.buyer_name or "", *(invoice.buyer_address or "").split("\n")]
    if invoice.buyer_siren:
        lines.append(f"SIREN : {invoice.buyer_siren}")
    if invoice.buyer_vat_number:
        lines.append(f"N° TVA intracommunautaire : {invoice.buyer_vat_number}")
    return [line for line in lines if line]


@functools.cache
def _invoice_pdf_class():
    """fpdf2 and Factur-X weigh 50 MB in a worker: loaded by the first PDF made, not at start."""
    from fpdf import FPDF

    class InvoicePdf(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font(FONT, size=7)
            self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")

    return InvoicePdf


def render_pdf(invoice: Invoice) -> bytes:
    """The printable PDF of the frozen ``invoice`` (PDF/A-3B, without its XML yet)."""
    seller = invoice.seller or {}
    pdf = _invoice_pdf_class()(enforce_compliance="PDF/A-3B")
    pdf.set_creation_date((invoice.issued_at or datetime.now(UTC)).replace(tzinfo=UTC))
    pdf.set_title(f"{title_of(invoice)} {invoice.number}")
    pdf.set_author(seller.get("name") or "")
    pdf.set_lang("fr-FR")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"{title_of(invoice)} n° {invoice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    dates = [f"Date d'émission : {french_date(invoice.issued_on)}"]
    dates.append(f"Date de la prestation ou de la vente : {french_date(invoice.service_date)}")
    if invoice.kind != KIND_CREDIT_NOTE:
        dates.append(f"Date d'échéance : {french_date(invoice.due_on)}")
    elif invoice.corrects is not None:
        dates.append(
            f"Avoir sur la facture n° {invoice.corrects.number} "
            f"du {french_date(invoice.corrects.issued_on)}"
        )
    dates.append(f"Catégorie de l'opération : {invoice.operation_label}")
    for line in dates:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    top = pdf.get_y()
    pdf.set_font(FONT, "B", 9)
    pdf.cell(90, 5, "Vendeur", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in seller_lines(seller):
        pdf.multi_cell(90, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(110, top)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(90, 5, "Client", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in buyer_lines(invoice):
        pdf.multi_cell(90, 4.5, line, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 6)

    pdf.set_font(FONT, size=8.5)
    widths = (76, 16, 24, 16, 14, 24)
    with pdf.table(
        col_widths=widths, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row(["Désignation", "Quantité", "Prix unitaire HT", "Remise", "TVA", "Total HT"])
        for line in invoice.lines:
            table.row(
                [
                    line.description,
                    format_quantity(line.quantity_thousandths),
                    format_cents(line.unit_price_cents),
                    format_rate(line.discount_bp) if line.discount_bp else "",
                    format_rate(line.vat_rate_bp),
                    format_cents(net_of(line)),
                ]
            )
    pdf.ln(4)

    result = totals(invoice.lines)
    pdf.set_font(FONT, size=9)
    rows = []
    for group in result.groups:
        rows.append(
            (
                f"TVA {format_rate(group.rate_bp)} sur {format_cents(group.base_cents)}",
                format_cents(group.vat_cents),
            )
        )
    rows.append(("Total HT", format_cents(invoice.total_excl_tax_cents)))
    rows.append(("Total TVA", format_cents(invoice.total_tax_cents)))
    rows.append(("Total TTC", format_cents(invoice.total_incl_tax_cents)))
    for label, amount in rows:
        bold = label == "Total TTC"
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.set_x(110)
        pdf.cell(60, 5.5, label)
        pdf.cell(30, 5.5, amount, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    pdf.set_font(FONT, size=8)
    if invoice.note:
        pdf.multi_cell(0, 4.2, invoice.note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    for line in mentions(invoice):
        pdf.multi_cell(0, 4.2, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ---------------------------------------------------------------- Factur-X (CII, BASIC)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def _el(parent, tag: str, text: str | None = None, **attributes):
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _percent(basis_points: int) -> str:
    return f"{basis_points // 100}.{basis_points % 100:02d}"


def _date(parent, tag: str, day: date) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _vat_category(invoice: Invoice, rate_bp: int) -> str:
    if (invoice.seller or {}).get("vat_exempt"):
        return "E"
    return "S" if rate_bp else "Z"


def _party(
    parent, tag: str, name: str, siren: str | None, address: str, country: str, vat: str | None
):
    party = _el(parent, tag)
    _el(party, "ram:Name", name)
    if siren:
        _el(_el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", siren, schemeID="0002")
    postal = _el(party, "ram:PostalTradeAddress")
    lines = [line for line in (address or "").split("\n") if line]
    if lines:
        _el(postal, "ram:LineOne", lines[0])
    if len(lines) > 1:
        _el(postal, "ram:LineTwo", " ".join(lines[1:]))
    _el(postal, "ram:CountryID", country or "FR")
    if vat:
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat, schemeID="VA")


def cii_xml(invoice: Invoice) -> bytes:
    """The Factur-X (CII, BASIC profile) XML of the frozen ``invoice``."""
    seller = invoice.seller or {}
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", FACTURX_GUIDELINE)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", TYPE_CODES[invoice.kind])
    _date(document, "ram:IssueDateTime", invoice.issued_on)
    for text in ([invoice.note] if invoice.note else []) + mentions(invoice):
        _el(_el(document, "ram:IncludedNote"), "ram:Content", text)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(invoice.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        net = net_of(line)
        quantity = format_quantity(line.quantity_thousandths).replace(",", ".")
        # The net unit price after discount, to four decimals (what BASIC carries per line).
        unit = (line.unit_price_cents * (10_000 - (line.discount_bp or 0))) / 1_000_000
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", f"{unit:.4f}")
        _el(
            _el(item, "ram:SpecifiedLineTradeDelivery"),
            "ram:BilledQuantity",
            quantity,
            unitCode="C62",
        )
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", _vat_category(invoice, line.vat_rate_bp))
        if not (seller.get("vat_exempt")):
            _el(tax, "ram:RateApplicablePercent", _percent(line.vat_rate_bp))
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(net))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(
        agreement,
        "ram:SellerTradeParty",
        seller.get("name") or "",
        seller.get("siren"),
        seller.get("address") or "",
        seller.get("country") or "FR",
        seller.get("vat_number"),
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        invoice.buyer_name or "",
        invoice.buyer_siren,
        invoice.buyer_address or "",
        "FR",
        invoice.buyer_vat_number,
    )
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if invoice.service_date:
        _date(
            _el(delivery, "ram:ActualDeliverySupplyChainEvent"),
            "ram:OccurrenceDateTime",
            invoice.service_date,
        )

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    result = totals(invoice.lines)
    for group in result.groups:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(group.vat_cents))
        _el(tax, "ram:TypeCode", "VAT")
        if seller.get("vat_exempt"):
            _el(tax, "ram:ExemptionReason", VAT_EXEMPT_MENTION)
        _el(tax, "ram:BasisAmount", _amount(group.base_cents))
        _el(tax, "ram:CategoryCode", _vat_category(invoice, group.rate_bp))
        if seller.get("vat_on_debits"):
            _el(tax, "ram:DueDateTypeCode", "5")
        if not seller.get("vat_exempt"):
            _el(tax, "ram:RateApplicablePercent", _percent(group.rate_bp))
    if invoice.kind != KIND_CREDIT_NOTE and invoice.due_on:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date(terms, "ram:DueDateDateTime", invoice.due_on)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(result.excl_tax_cents))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(result.excl_tax_cents))
    _el(summation, "ram:TaxTotalAmount", _amount(result.tax_cents), currencyID="EUR")
    _el(summation, "ram:GrandTotalAmount", _amount(result.incl_tax_cents))
    _el(summation, "ram:DuePayableAmount", _amount(result.incl_tax_cents))
    if invoice.kind == KIND_CREDIT_NOTE and invoice.corrects is not None:
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", invoice.corrects.number)
        formatted = _el(referenced, "ram:FormattedIssueDateTime")
        _el(
            formatted,
            "qdt:DateTimeString",
            invoice.corrects.issued_on.strftime("%Y%m%d"),
            format="102",
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_pdf(invoice: Invoice) -> bytes:
    """The Factur-X PDF of ``invoice``: the printable PDF with its XML embedded (checked)."""
    import facturx  # see _invoice_pdf_class

    seller = invoice.seller or {}
    metadata = {
        "author": seller.get("name") or "",
        "keywords": "Factur-X",
        "title": f"{title_of(invoice)} {invoice.number}",
        "subject": f"{title_of(invoice)} {invoice.number} du {french_date(invoice.issued_on)}",
    }
    return facturx.generate_from_binary(
        render_pdf(invoice),
        cii_xml(invoice),
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=True,
        pdf_metadata=metadata,
        lang="fr-FR",
    )
