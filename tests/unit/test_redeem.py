"""The catalog a reward opens: its country and currency, no card unless allowed, covered items first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.catalog import Catalog, CatalogQuery, Product
from core.fx import Rate, RateBook
from core.money import Money
from core.redeem import reward_catalog
from core.rewards import Programme
from core.views import ProductCard, RewardSummary, by_card, within
from tests.unit.conftest import BOOKS, TEA

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BOOK = RateBook([Rate("EUR", "USD", Decimal("1.0850"), "ecb", NOW - timedelta(hours=19))], timedelta(hours=96))
STAGE = Product(id="harbour-stage", brand="Aaron's Harbour Stage", name="Theatre night", currency="USD",
                denominations=(5000, 10000))
KUDOS = Programme("kudos", "Kudos", "USD")
TOPPED = Programme("kudos", "Kudos", "USD", card_topup=True)


def reward(minor: int = 2500) -> RewardSummary:
    money = Money(minor, "USD")
    return RewardSummary("rwd_1", "Hana", "Ada", money, money, "Thanks", "sent", "2027-02-24")


def test_without_card_top_up_what_the_reward_cannot_cover_is_hidden() -> None:
    shop = reward_catalog(reward(), KUDOS, "US", BOOK, NOW)

    found = Catalog([BOOKS, STAGE, TEA]).search(shop.query)

    assert [p.id for p in found.products] == [BOOKS.id]  # the $50 theatre night is not offered
    assert [str(d) for d in within(ProductCard.of(BOOKS), shop.query)] == ["$10", "$25"]  # nor the $50 card


def test_with_card_top_up_covered_items_come_first_and_the_rest_say_what_the_card_pays() -> None:
    shop = reward_catalog(reward(), TOPPED, None, BOOK, NOW)

    found = Catalog([BOOKS, STAGE, TEA]).search(shop.query)

    assert [p.id for p in found.products] == [BOOKS.id, STAGE.id]  # "Aaron's…" sorts first by brand
    assert by_card(Money(5000, "USD"), shop.query.covers) == Money(2500, "USD")
    assert by_card(Money(2500, "USD"), shop.query.covers) is None


def test_a_recipient_in_germany_sees_euro_products_up_to_what_the_reward_buys() -> None:
    shop = reward_catalog(reward(), TOPPED, "de", BOOK, NOW)

    assert shop.query == CatalogQuery(country="DE", currency="EUR", max_price=2304, covers=2304, programme="kudos")
    assert "Your $25 buys up to €23.04 at 1 EUR = 1.085 USD (ecb, 2026-11-25)" in shop.rate_note


def test_a_country_with_no_rate_shops_in_the_rewards_currency_and_says_why() -> None:
    shop = reward_catalog(reward(), KUDOS, "JP", BOOK, NOW)

    assert shop.query.currency == "USD" and shop.query.country is None
    assert "no exchange rate from JPY to USD" in shop.rate_note
