"""Funded pseudo-products: what a group-gift contribution or a "their choice" gift is an order
of."""

from __future__ import annotations

from core.catalog import ExpiryPolicy, Product, ValueRange

# A group-gift contribution (`group:EUR:<collection id>`) and a "their choice" gift (`choice:EUR`)
# are orders like any other (checkout page, payment, refunds), of a product no provider sells: once
# paid they fund a reward the recipient spends in the catalog (core.funded). They are never listed
# or searched.

FUNDED_KINDS = {
    "group": ("Group gift", "Group gift"),
    "choice": ("Their choice", "Gift of their choice"),
}
FUNDED_RANGE = ValueRange(100, 1_000_000)


def funded_product(product_id: str) -> Product | None:
    """The pseudo-product `product_id` names, or None if it names none."""
    kind, _, rest = product_id.partition(":")
    currency = rest.partition(":")[0]
    if (
        kind not in FUNDED_KINDS
        or len(currency) != 3
        or not currency.isalpha()
        or not currency.isupper()
    ):
        return None
    brand, name = FUNDED_KINDS[kind]
    return Product(
        id=product_id,
        brand=brand,
        name=name,
        currency=currency,
        value_range=FUNDED_RANGE,
        provider="funded",
        expiry=ExpiryPolicy(days_after_issue=365),
    )


def funded_kind(product_id: str) -> str:
    """'group', 'choice', or '' for a product a provider sells."""
    return product_id.partition(":")[0] if funded_product(product_id) is not None else ""
