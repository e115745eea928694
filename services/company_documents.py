"""What the company's documents share (invoices, contract sheets): the seller's mentions from
the config, the client's postal address as printed, and the font shipped with the project
(DejaVu Sans in ``static/fonts``, so that no system library is needed)."""

from __future__ import annotations

from pathlib import Path

from models.client import CATEGORY_INDIVIDUAL, Client

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"


def seller_details(config) -> dict:
    """The seller's mentions as the configuration gives them, to freeze on an invoice."""
    return {
        "name": config.get("SELLER_NAME"),
        "legal_form": config.get("SELLER_LEGAL_FORM"),
        "share_capital": config.get("SELLER_SHARE_CAPITAL"),
        "siren": config.get("SELLER_SIREN"),
        "rcs": config.get("SELLER_RCS"),
        "vat_number": None if config.get("SELLER_VAT_EXEMPT") else config.get("SELLER_VAT_NUMBER"),
        "vat_exempt": bool(config.get("SELLER_VAT_EXEMPT")),
        "vat_on_debits": bool(config.get("SELLER_VAT_ON_DEBITS")),
        "address": config.get("SELLER_ADDRESS"),
        "country": config.get("SELLER_COUNTRY") or "FR",
        "email": config.get("COMPANY_EMAIL"),
        "iban": config.get("SELLER_IBAN"),
        "late_penalty_rate": config.get("INVOICE_LATE_PENALTY_RATE"),
        "early_payment": config.get("INVOICE_EARLY_PAYMENT_TERMS"),
    }


def buyer_address(client: Client) -> str:
    """The buyer's address on the invoice: the head office for a business that gave one."""
    if client.category != CATEGORY_INDIVIDUAL and client.head_office_address:
        return client.head_office_address
    city = " ".join(p for p in (client.postcode, client.city) if p)
    lines = [client.address_line1, client.address_line2, city]
    if client.country and client.country != "FR":
        lines.append(client.country)
    return "\n".join(line for line in lines if line)


def seller_lines(seller: dict) -> list[str]:
    form = seller.get("legal_form") or ""
    if seller.get("share_capital"):
        form = f"{form} au capital de {seller['share_capital']}"
    lines = [seller.get("name") or "", form, *(seller.get("address") or "").split("\n")]
    lines.append(f"SIREN : {seller.get('siren')}")
    if seller.get("rcs"):
        lines.append(seller["rcs"])
    if seller.get("vat_number"):
        lines.append(f"N° TVA intracommunautaire : {seller['vat_number']}")
    if seller.get("email"):
        lines.append(seller["email"])
    return [line for line in lines if line]
