"""The catalog's word index finds exactly what reading every product would (substrings, filters,
order)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog import Catalog, CatalogQuery, Product, ValueRange

BRANDS = ("Amber Lane Cinema", "Cobalt Coffee", "Ember Pizza", "Fjord Fish Market", "Café Été")
COUNTRY_SETS = ((), ("US",), ("GB", "IE"), ("DE",))
CURRENCIES = ("USD", "GBP", "EUR")


def products(count: int) -> list[Product]:
    return [
        Product(
            id=f"p{n:04d}",
            brand=BRANDS[n % len(BRANDS)],
            name=f"{BRANDS[n % len(BRANDS)]} gift card no. {n:04d}",
            description=f"Voucher\tvalid {'and'.join(COUNTRY_SETS[n % 4])}.\nEnjoy (#{n % 13})",
            currency=CURRENCIES[n % 3],
            countries=COUNTRY_SETS[n % 4],
            denominations=() if n % 3 == 0 else (500 + (n % 5) * 500, 5000),
            value_range=ValueRange(500, 20000, 100) if n % 3 == 0 else None,
            categories=(("coffee",), ("food", "treats"), ())[n % 3],
        )
        for n in range(count)
    ]


def read_every_product(catalog_products: list[Product], query: CatalogQuery) -> list[str]:
    """The reference: each product's text read in full, as the catalog did before its index."""
    ordered = sorted(catalog_products, key=lambda p: (p.brand.lower(), p.name.lower(), p.id))
    found = []
    for p in ordered:
        text = " ".join((p.brand, p.name, p.description, p.id)).lower()
        if not all(word in text for word in query.text.lower().split()):
            continue
        if query.currency and p.currency != query.currency.upper():
            continue
        if query.country and p.countries and query.country.upper() not in p.countries:
            continue
        if query.category and query.category.lower() not in p.categories:
            continue
        if query.max_price is not None and p.lowest > query.max_price:
            continue
        if query.min_price is not None and p.highest < query.min_price:
            continue
        found.append(p.id)
    return found


CATALOG = products(300)
WORDS = st.sampled_from(
    [
        "co",
        "coffee",
        "card",
        "no.",
        "0",
        "01",
        "0042",
        "fish",
        "ma",
        "été",
        "(#7)",
        "#1",
        "valid",
        "us.",
        "zzz",
        "a",
        "p02",
        "gift",
        "café",
        "enjoy",
    ]
)
QUERIES = st.builds(
    CatalogQuery,
    text=st.lists(WORDS | st.text(alphabet="acef0127 .#", max_size=4), max_size=4).map(" ".join),
    currency=st.none() | st.sampled_from(["usd", "EUR", "JPY"]),
    country=st.none() | st.sampled_from(["us", "GB", "FR"]),
    max_price=st.none() | st.integers(0, 6000),
    min_price=st.none() | st.integers(0, 25000),
    category=st.none() | st.sampled_from(["coffee", "Food", "books"]),
    per_page=st.just(1000),
)


@settings(max_examples=300, deadline=None)
@given(QUERIES)
def test_a_search_finds_what_reading_every_product_finds(query: CatalogQuery) -> None:
    catalog = Catalog(CATALOG)

    found = [p.id for p in catalog.search(query).products]

    assert found == read_every_product(CATALOG, query)


def test_the_same_word_asked_again_gives_the_same_products() -> None:
    catalog = Catalog(CATALOG)
    first = catalog.search(CatalogQuery(text="coffee 0", per_page=1000)).products
    # A different query sharing the word: answered from the word's kept products, not a new scan.
    again = catalog.search(CatalogQuery(text="0 coffee card", per_page=1000)).products

    assert [p.id for p in again] == [p.id for p in first]
    assert len(first) == len(read_every_product(CATALOG, CatalogQuery(text="coffee 0")))
