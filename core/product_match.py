"""Whether one product matches a catalog query: the text it is found by, and the query's filters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # core.catalog searches with these functions
    from core.catalog import CatalogQuery, Product


def search_text(product: Product) -> str:
    """The lowered text a product is found by, word by word."""
    return " ".join((product.brand, product.name, product.description, product.id)).lower()


def has_filters(query: CatalogQuery) -> bool:
    """Whether the query narrows by more than its words."""
    return (
        bool(query.currency or query.country or query.category)
        or query.max_price is not None
        or query.min_price is not None
    )


def passes_filters(product: Product, query: CatalogQuery) -> bool:
    """Whether the product meets each filter the query sets (currency, country, category, price)."""
    if query.currency and product.currency != query.currency.upper():
        return False
    if query.country and product.countries and query.country.upper() not in product.countries:
        return False
    if query.category and query.category.lower() not in product.categories:
        return False
    if query.max_price is not None and product.lowest > query.max_price:
        return False
    return query.min_price is None or product.highest >= query.min_price
