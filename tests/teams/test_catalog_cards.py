"""Catalog cards kept as rendered: the same card as building it, built once per page, reward and
reader."""

from __future__ import annotations

from adapters.i18n import localizer
from adapters.teams.cards import catalog_card
from adapters.teams.catalog_cards import CatalogCards
from core.catalog import Catalog, CatalogQuery
from core.views import CatalogPage
from tests.teams.test_reward_cards import REWARD
from tests.unit.conftest import BOOKS, TEA

CATALOG = Catalog([BOOKS, TEA])


def page(query: CatalogQuery, catalog: Catalog = CATALOG) -> CatalogPage:
    return CatalogPage.of(
        catalog.search(query), catalog.currencies, catalog.countries, catalog.categories
    )


def test_a_kept_card_is_the_card_built_for_the_same_page_reward_and_reader() -> None:
    cards = CatalogCards()
    german = localizer("de-DE")

    for shown, reward, loc in [
        (page(CatalogQuery()), None, localizer("en-US")),
        (page(CatalogQuery()), None, german),
        (page(CatalogQuery(text="tea")), REWARD, german),
    ]:
        first = cards(shown, reward, loc)
        again = cards(page(shown.query), reward, loc)  # an equal page, built again
        assert first == catalog_card(shown, reward, loc)
        assert again is first


def test_a_catalog_that_changed_shows_its_own_card() -> None:
    cards = CatalogCards()
    before = cards(page(CatalogQuery()))

    after = cards(page(CatalogQuery(), Catalog([TEA])))

    assert after == catalog_card(page(CatalogQuery(), Catalog([TEA])))
    assert after != before


def test_only_the_most_recently_shown_cards_are_kept() -> None:
    cards = CatalogCards(kept=2)
    tea, books, everything = (page(CatalogQuery(text=t)) for t in ("tea", "books", ""))
    kept_tea = cards(tea)
    kept_books = cards(books)
    cards(tea)  # tea is now the most recent

    cards(everything)  # books goes

    assert cards(tea) is kept_tea
    rebuilt = cards(books)
    assert rebuilt is not kept_books and rebuilt == kept_books
