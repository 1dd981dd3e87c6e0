"""The catalog a reward opens: its country and currency, no card unless allowed, covered items
first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.build.channels import PLATFORMS
from core.catalog import Catalog, CatalogQuery, Product
from core.curation import CatalogRule, Curation
from core.employees import employee_from_row
from core.errors import InvalidRequest
from core.fx import Rate, RateBook
from core.money import Money
from core.platforms import platform_names
from core.redeem import reward_catalog
from core.rewards import Programme
from core.views import ProductCard, RewardSummary, by_card, within
from tests.unit.conftest import BOOKS, TEA

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BOOK = RateBook(
    [Rate("EUR", "USD", Decimal("1.0850"), "ecb", NOW - timedelta(hours=19))], timedelta(hours=96)
)
STAGE = Product(
    id="harbour-stage",
    brand="Aaron's Harbour Stage",
    name="Theatre night",
    currency="USD",
    denominations=(5000, 10000),
)
KUDOS = Programme("kudos", "Kudos", "USD")
TOPPED = Programme("kudos", "Kudos", "USD", card_topup=True)


def reward(minor: int = 2500) -> RewardSummary:
    money = Money(minor, "USD")
    return RewardSummary("rwd_1", "Hana", "Ada", money, money, "Thanks", "sent", "2027-02-24")


def test_without_card_top_up_what_the_reward_cannot_cover_is_hidden() -> None:
    shop = reward_catalog(reward(), KUDOS, "US", BOOK, NOW)

    found = Catalog([BOOKS, STAGE, TEA]).search(shop.query)

    assert [p.id for p in found.products] == [BOOKS.id]  # the $50 theatre night is not offered
    assert [str(d) for d in within(ProductCard.of(BOOKS), shop.query)] == [
        "$10",
        "$25",
    ]  # nor the $50 card


def test_with_card_top_up_covered_items_come_first_and_the_rest_say_what_the_card_pays() -> None:
    shop = reward_catalog(reward(), TOPPED, None, BOOK, NOW)

    found = Catalog([BOOKS, STAGE, TEA]).search(shop.query)

    assert [p.id for p in found.products] == [BOOKS.id, STAGE.id]  # "Aaron's…" sorts first by brand
    assert by_card(Money(5000, "USD"), shop.query.covers) == Money(2500, "USD")
    assert by_card(Money(2500, "USD"), shop.query.covers) is None


def test_a_recipient_in_germany_sees_euro_products_up_to_what_the_reward_buys() -> None:
    shop = reward_catalog(reward(), TOPPED, "de", BOOK, NOW)

    assert shop.query == CatalogQuery(
        country="DE", currency="EUR", max_price=2304, covers=2304, programme="kudos"
    )
    assert "Your $25 buys up to €23.04 at 1 EUR = 1.085 USD (ecb, 2026-11-25)" in shop.rate_note


def test_a_country_with_no_rate_shops_in_the_rewards_currency_and_says_why() -> None:
    shop = reward_catalog(reward(), KUDOS, "JP", BOOK, NOW)

    assert shop.query.currency == "USD" and shop.query.country is None
    assert "no exchange rate from JPY to USD" in shop.rate_note


# --- curated catalogs ----------------------------------------------------------------------------


def test_no_picks_offer_the_whole_shop_and_picks_of_one_kind_offer_any_of_them() -> None:
    assert Curation(()).admits(STAGE)
    brands = Curation(
        [
            CatalogRule.of("kudos", "brand", "Quiet Harbour Books"),
            CatalogRule.of("kudos", "brand", "Lantern Tea House"),
        ]
    )
    assert brands.admits(BOOKS) and brands.admits(TEA) and not brands.admits(STAGE)


def test_picks_of_several_kinds_must_all_match_and_a_product_picked_by_id_always_does() -> None:
    curation = Curation(
        [
            CatalogRule.of("kudos", "country", "de"),
            CatalogRule.of("kudos", "category", "Tea"),
            CatalogRule.of("kudos", "product", BOOKS.id),
        ]
    )
    tea = replace(TEA, categories=("tea",))

    assert curation.admits(tea) and curation.admits(BOOKS)
    assert not curation.admits(TEA)  # in Germany, but not in the tea category
    assert not curation.admits(replace(tea, countries=("FR",)))


def test_an_unknown_kind_of_pick_is_refused_clearly() -> None:
    with pytest.raises(InvalidRequest, match="use one of product, brand, country, category"):
        CatalogRule.of("kudos", "colour", "blue")


def test_an_employee_file_may_say_where_each_person_redeems() -> None:
    row = {
        "email": "ada@harbour.example",
        "name": "Ada Lovelace",
        "start_date": "2020-01-06",
        "country": "de",
    }

    assert employee_from_row(row, platforms=PLATFORM_NAMES).country == "DE"
    assert (
        employee_from_row({**row, "country": ""}, platforms=PLATFORM_NAMES).country == ""
    )  # unknown
    with pytest.raises(ValueError, match="'GERMANY' is not a country code"):
        employee_from_row({**row, "country": "Germany"}, platforms=PLATFORM_NAMES)
