"""The voucher catalog: products, their denominations or open value range, search and filters."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from core.errors import InvalidAmount, UnknownProduct
from core.money import Money
from core.product_match import passes_filters, search_text
from core.word_index import WordIndex, mask_of, masks_of, positions

VOUCHER_FORMATS = ("code", "code_pin", "url", "url_pin")


@dataclass(frozen=True)
class ValueRange:
    """An open-value product: any amount from `minimum` to `maximum` in steps of `step` (minor
    units)."""

    minimum: int
    maximum: int
    step: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.maximum or self.step <= 0:
            raise ValueError("a value range needs 0 < minimum <= maximum and a positive step")

    def admits(self, minor: int) -> bool:
        return self.minimum <= minor <= self.maximum and (minor - self.minimum) % self.step == 0


@dataclass(frozen=True)
class ExpiryPolicy:
    """When an issued voucher expires: a number of days after issue, or a fixed date."""

    days_after_issue: int | None = 365
    fixed_date: date | None = None

    def __post_init__(self) -> None:
        if (self.days_after_issue is None) == (self.fixed_date is None):
            raise ValueError("an expiry policy has either days_after_issue or fixed_date")

    def expires_on(self, issued: date) -> date:
        if self.fixed_date is not None:
            return self.fixed_date
        assert self.days_after_issue is not None
        return issued + timedelta(days=self.days_after_issue)


@dataclass(frozen=True)
class Product:
    """One voucher product as a buyer sees it."""

    id: str
    brand: str
    name: str
    currency: str
    description: str = ""
    image_url: str = ""
    countries: tuple[str, ...] = ()
    denominations: tuple[int, ...] = ()
    value_range: ValueRange | None = None
    instructions: str = ""
    terms: str = ""
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    provider: str = "builtin"
    voucher_format: str = "code"
    redeem_url: str = ""
    # The provider's own item id per denomination (minor units); 0 stands for any amount of an open
    # range.
    skus: tuple[tuple[int, str], ...] = ()
    categories: tuple[
        str, ...
    ] = ()  # lower-case words a curated programme catalog can pick by ("coffee")

    def __post_init__(self) -> None:
        if bool(self.denominations) == (self.value_range is not None):
            raise ValueError(f"{self.id}: give either denominations or a value range")
        if self.voucher_format not in VOUCHER_FORMATS:
            raise ValueError(f"{self.id}: voucher_format must be one of {VOUCHER_FORMATS}")

    def sku_for(self, minor: int) -> str | None:
        """The provider's item id for this amount, if the provider needs one (Tango's utid)."""
        found = dict(self.skus)
        return found.get(minor) or found.get(0)

    def price(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def check_amount(self, amount: Money) -> None:
        """Raise InvalidAmount unless `amount` is one this product is sold for."""
        if amount.currency != self.currency:
            reason = f"{self.name} is sold in {self.currency}, not {amount.currency}."
            raise InvalidAmount(self.id, reason, rule="currency", typed=amount.currency)
        if self.denominations and amount.minor not in self.denominations:
            choices = ", ".join(str(self.price(d)) for d in self.denominations)
            raise InvalidAmount(
                self.id,
                f"{self.name} comes in {choices}.",
                rule="denomination",
                typed=amount.major(),
            )
        if self.value_range and not self.value_range.admits(amount.minor):
            reason = f"Choose an amount {self.price_label()} for {self.name}."
            raise InvalidAmount(
                self.id, reason, rule=self._broken_rule(amount.minor), typed=amount.major()
            )

    def _broken_rule(self, minor: int) -> str:
        assert self.value_range is not None
        if minor < self.value_range.minimum:
            return "minimum"
        return "maximum" if minor > self.value_range.maximum else "step"

    @property
    def lowest(self) -> int:
        return self.denominations[0] if self.denominations else self.value_range.minimum  # type: ignore[union-attr]

    @property
    def highest(self) -> int:
        return self.denominations[-1] if self.denominations else self.value_range.maximum  # type: ignore[union-attr]

    def price_label(self) -> str:
        """'$10 · $25 · $50' for fixed denominations, 'from $5 to $500' for an open range."""
        if self.denominations:
            return " · ".join(str(self.price(d)) for d in self.denominations)
        assert self.value_range is not None
        step = self.value_range.step
        steps = f" in steps of {self.price(step)}" if step > 1 and step != 100 else ""
        return f"from {self.price(self.lowest)} to {self.price(self.highest)}{steps}"


@dataclass(frozen=True)
class CatalogQuery:
    """A search: free text, filters and the page wanted (1-based)."""

    text: str = ""
    country: str | None = None
    currency: str | None = None
    max_price: int | None = None
    min_price: int | None = None
    page: int = 1
    per_page: int = 5
    covers: int | None = None  # spending a reward worth this much: what it covers is listed first
    programme: str | None = None  # spending a reward of this programme: its curated catalog only
    category: str | None = None  # one of the products' lower-case category words ("coffee")

    @property
    def is_bare(self) -> bool:
        """Nothing asked for yet: no words and no filters (a plain `/vouchers`)."""
        filters = (self.country, self.currency, self.max_price, self.min_price, self.category)
        return not self.text.strip() and all(f is None or f == "" for f in filters)


@dataclass(frozen=True)
class SearchResult:
    products: tuple[Product, ...]
    query: CatalogQuery
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))


SEARCH_CACHE_SIZE = 512  # answers kept per query text and filters


class Catalog:
    """An immutable in-memory product index (a new one replaces it on sync).

    A product matches a search when each of its words is part of the product's brand, name,
    description or id (a substring, so "co" finds coffee). A word index built here (core.word_index)
    finds the products of a word without reading every product; the filters narrow with per-currency
    and per-country sets; the last few hundred distinct searches are kept: paging through results,
    or many people browsing the same catalog, costs a dictionary look-up.
    """

    def __init__(self, products: Iterable[Product]) -> None:
        ordered = sorted(products, key=lambda p: (p.brand.lower(), p.name.lower(), p.id))
        self._by_id = {p.id: p for p in ordered}
        if len(self._by_id) != len(ordered):
            raise ValueError("product ids must be unique")
        self._products = ordered
        self._index = WordIndex([search_text(p) for p in ordered])
        self._by_currency = masks_of((p.currency, n) for n, p in enumerate(ordered))
        self._by_country = masks_of((c, n) for n, p in enumerate(ordered) for c in p.countries)
        self._everywhere = mask_of(n for n, p in enumerate(ordered) if not p.countries)
        self._hits: OrderedDict[tuple[object, ...], tuple[Product, ...]] = OrderedDict()
        self.currencies = tuple(sorted({p.currency for p in ordered}))
        self.countries = tuple(sorted({c for p in ordered for c in p.countries}))
        self.categories = tuple(sorted({c.lower() for p in ordered for c in p.categories}))

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def get(self, product_id: str) -> Product:
        try:
            return self._by_id[product_id]
        except KeyError:
            # imported here: funded pseudo-products are Products themselves (core.funded_products)
            from core.funded_products import funded_product

            funded = funded_product(product_id)
            if funded is None:
                raise UnknownProduct(product_id) from None
            return funded

    def for_person(self, query: CatalogQuery, country: str) -> CatalogQuery:
        """A plain browse narrowed to the person's own country, when the catalog has vouchers for
        it."""
        if query.is_bare and country.upper() in self.countries:
            return replace(query, country=country.upper())
        return query

    def search(
        self, query: CatalogQuery, admits: Callable[[Product], bool] | None = None
    ) -> SearchResult:
        """One page of the matches; `admits` narrows them further (a programme's curated
        catalog)."""
        hits = self._matching(query)
        if admits is not None:
            hits = tuple(p for p in hits if admits(p))
        page = max(1, query.page)
        start = (page - 1) * query.per_page
        return SearchResult(hits[start : start + query.per_page], query, len(hits))

    def _matching(self, query: CatalogQuery) -> tuple[Product, ...]:
        key = (
            query.text.lower().strip(),
            query.country,
            query.currency,
            query.max_price,
            query.min_price,
            query.covers,
            query.category,
        )
        found = self._hits.get(key)
        if found is None:
            found = self._scan(query)
            self._hits[key] = found
            if len(self._hits) > SEARCH_CACHE_SIZE:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        return found

    def _scan(self, query: CatalogQuery) -> tuple[Product, ...]:
        mask = self._index.matching(query.text.lower().split())
        if query.currency:
            mask &= self._by_currency.get(query.currency.upper(), 0)
        if query.country:
            mask &= self._by_country.get(query.country.upper(), 0) | self._everywhere
        found = tuple(self._products[n] for n in positions(mask))
        if query.max_price is not None or query.min_price is not None or query.category:
            found = tuple(p for p in found if passes_filters(p, query))
        if query.covers is not None:
            covers = query.covers
            found = tuple(
                sorted(found, key=lambda p: p.lowest > covers)
            )  # stable: brand order within
        return found
