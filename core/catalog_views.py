"""Read models of the catalog: a product card and a page of search results."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from core.catalog import CatalogQuery, Product, SearchResult
from core.money import Money


@dataclass(frozen=True)
class ProductCard:
    product_id: str
    brand: str
    name: str
    description: str
    image_url: str
    currency: str
    price_label: str
    denominations: tuple[Money, ...]
    minimum: Money
    maximum: Money
    open_value: bool
    countries: tuple[str, ...]
    step: Money | None = None  # open range only: amounts go up in these steps

    @classmethod
    def of(cls, product: Product) -> ProductCard:
        """The card of a product; both are immutable, so a product's card is built once and kept (a
        catalog page or the product picker shows the same products again and again)."""
        return _card_of(product) if cls is ProductCard else cls._build(product)

    @classmethod
    def _build(cls, product: Product) -> ProductCard:
        return cls(
            product_id=product.id,
            brand=product.brand,
            name=product.name,
            description=product.description,
            image_url=product.image_url,
            currency=product.currency,
            price_label=product.price_label(),
            denominations=tuple(product.price(d) for d in product.denominations),
            minimum=product.price(product.lowest),
            maximum=product.price(product.highest),
            open_value=product.value_range is not None,
            countries=product.countries,
            step=product.price(product.value_range.step) if product.value_range else None,
        )


@functools.lru_cache(maxsize=16384)
def _card_of(product: Product) -> ProductCard:
    return ProductCard._build(product)


def by_card(price: Money, covers: int | None) -> Money | None:
    """What a card pays for `price` when a reward covers `covers` of it (None: no card, or no
    reward)."""
    if covers is None or price.minor <= covers:
        return None
    return Money(price.minor - covers, price.currency)


def within(card: ProductCard, query: CatalogQuery) -> tuple[Money, ...]:
    """The denominations a reward catalog offers: those up to `max_price` when no card may top
    up."""
    limit = query.max_price
    return tuple(d for d in card.denominations if limit is None or d.minor <= limit)


@dataclass(frozen=True)
class CatalogPage:
    cards: tuple[ProductCard, ...]
    query: CatalogQuery
    page: int
    pages: int
    total: int
    # Every currency, country and category in the catalog: the menus, and what a typed filter may
    # say.
    currencies: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        result: SearchResult,
        currencies: tuple[str, ...] = (),
        countries: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
    ) -> CatalogPage:
        cards = tuple(ProductCard.of(p) for p in result.products)
        page = max(1, result.query.page)
        return cls(
            cards, result.query, page, result.pages, result.total, currencies, countries, categories
        )

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
