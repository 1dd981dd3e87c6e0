"""The catalog narrowed to the person: their country by default, what a reward pays for first."""

from __future__ import annotations

from dataclasses import replace

from core.catalog import Catalog, CatalogQuery, Product
from tests.unit.conftest import BOOKS, TEA

PRICEY = replace(
    BOOKS,
    id="alpenglow-lodges",
    brand="Alpenglow Lodges",
    name="Alpenglow stay",
    denominations=(10000,),
)
CATALOG = Catalog([BOOKS, TEA, PRICEY])


def ids(products: tuple[Product, ...]) -> list[str]:
    return [p.id for p in products]


def test_a_plain_browse_shows_the_persons_own_country_first() -> None:
    query = CATALOG.for_person(CatalogQuery(), "de")

    assert query.country == "DE"
    assert ids(CATALOG.search(query).products) == ["lantern-tea"]


def test_a_country_without_vouchers_or_a_search_of_ones_own_is_left_alone() -> None:
    assert CATALOG.for_person(CatalogQuery(), "JP").country is None
    assert CATALOG.for_person(CatalogQuery(text="books"), "DE").country is None
    assert CATALOG.for_person(CatalogQuery(currency="USD"), "DE").country is None


def test_what_a_reward_pays_for_in_full_comes_first_then_the_rest_in_order() -> None:
    a_to_z = CATALOG.search(CatalogQuery(currency="USD")).products
    with_reward = CATALOG.search(CatalogQuery(currency="USD", covers=5000)).products

    assert ids(a_to_z) == ["alpenglow-lodges", "quiet-harbour-books"]
    assert ids(with_reward) == ["quiet-harbour-books", "alpenglow-lodges"]


def test_the_catalog_knows_its_currencies_and_countries_for_menus() -> None:
    assert CATALOG.currencies == ("EUR", "USD")
    assert CATALOG.countries == ("DE", "FR", "US")


def test_a_category_narrows_the_catalog_and_the_catalog_knows_its_categories() -> None:
    coffee = replace(TEA, id="copper-kettle", brand="Copper Kettle", categories=("coffee",))
    catalog = Catalog([BOOKS, replace(TEA, categories=("tea",)), coffee])

    assert catalog.categories == ("coffee", "tea")
    assert ids(catalog.search(CatalogQuery(category="Coffee")).products) == ["copper-kettle"]
    assert not CatalogQuery(category="coffee").is_bare  # a chosen category is not a plain browse
