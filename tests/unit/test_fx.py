"""Rewards spent in another currency: exact conversion, locked rates, margins, stale rates, the
ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.fx.ecb import RatesFileError, parse_ecb
from core.catalog import CatalogQuery
from core.curation import CatalogRule, NotInProgrammeCatalog
from core.funding import ConvertedAboveReward
from core.fx import (
    Rate,
    RateBook,
    Rates,
    RateUnavailable,
    StaleRate,
    affordable,
    convert,
    quote_with,
)
from core.money import Money
from core.orders import OrderStatus
from core.recognition import Recognition
from core.rewards import Budget, LedgerKind, Programme
from tests.conftest import FIXTURES
from tests.fake_curations import FakeCurations
from tests.fake_rates import FakeRateSource
from tests.fakes import MemoryUnitOfWork, SequentialIds
from tests.unit.conftest import ADA, TEA, World
from tests.unit.test_rewards import Rewarding

PUBLISHED = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
EUR_USD = Rate("EUR", "USD", Decimal("1.0850"), "ecb", PUBLISHED)


def test_the_ecb_file_gives_one_euro_rate_per_currency_with_its_day() -> None:
    rates = parse_ecb((FIXTURES / "fx" / "ecb-eurofxref-daily.xml").read_bytes())

    assert [(r.base, r.quote, r.value) for r in rates][:2] == [
        ("EUR", "USD", Decimal("1.0850")),
        ("EUR", "JPY", Decimal("162.47")),
    ]
    assert {r.source for r in rates} == {"ecb"} and rates[0].as_of == PUBLISHED


@pytest.mark.parametrize(
    "text",
    [b"<not-xml", b"<Envelope/>", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'],
    ids=["broken", "no-day", "entity"],
)
def test_a_file_that_is_not_ecb_xml_is_refused_clearly(text: bytes) -> None:
    with pytest.raises(RatesFileError):
        parse_ecb(text)


def test_conversion_rounds_half_up_to_the_cent_in_integer_minor_units() -> None:
    assert convert(Money(2500, "EUR"), Decimal("1.0850"), "USD") == Money(2713, "USD")  # 27.125
    assert convert(Money(1000, "EUR"), Decimal("162.47"), "JPY") == Money(1625, "JPY")  # 1624.7 yen


def test_the_book_answers_inverse_and_euro_crossed_pairs() -> None:
    gbp = Rate("EUR", "GBP", Decimal("0.8"), "ecb", PUBLISHED)
    book = RateBook([EUR_USD, gbp], timedelta(hours=96))
    now = PUBLISHED + timedelta(hours=1)

    assert book.rate("USD", "EUR", now).value == Decimal(1) / Decimal("1.0850")
    crossed = book.rate("GBP", "USD", now)
    assert (
        crossed.value == Decimal("1.35625")
        and crossed.source == "ecb"
        and crossed.as_of == PUBLISHED
    )


def test_a_rate_older_than_the_allowed_age_stops_conversion_with_a_clear_message() -> None:
    book = RateBook([EUR_USD], timedelta(hours=96))

    with pytest.raises(StaleRate, match="older than 96 hours"):
        book.quote(Money(2500, "EUR"), "USD", PUBLISHED + timedelta(hours=97))
    with pytest.raises(RateUnavailable, match="no exchange rate from EUR to CHF"):
        book.quote(Money(2500, "EUR"), "CHF", PUBLISHED)


def test_a_margin_is_added_to_the_rate_and_shown() -> None:
    quote = quote_with(EUR_USD, Money(2500, "EUR"), margin_bps=200)

    assert quote.rate == Decimal("1.10670000") and quote.charged == Money(2767, "USD")  # 27.6675
    assert "incl. 2% margin" in quote.label()


def test_what_a_reward_affords_never_quotes_above_it() -> None:
    bought = affordable(Money(2500, "USD"), Decimal("1.0850"), "EUR")

    assert bought == Money(2304, "EUR") and convert(bought, Decimal("1.0850"), "USD").minor <= 2500


async def test_an_admin_rate_replaces_the_ecb_rate_for_its_pair(world: World) -> None:
    rates = Rates(FakeRateSource([EUR_USD]), world.clock, timedelta(hours=96))

    await rates.set("EUR", "USD", Decimal("1.1"), "cli:ops")

    quote = await rates.quote(Money(1000, "EUR"), "USD")
    assert quote.charged == Money(1100, "USD") and quote.source == "admin:cli:ops"


# --- a USD reward buys a EUR voucher -------------------------------------------------------------


@pytest.fixture
async def abroad(world: World) -> Rewarding:
    world.checkout.rates = Rates(FakeRateSource([EUR_USD]), world.clock, timedelta(hours=96))
    recognition = Recognition(
        uow=lambda: MemoryUnitOfWork(world.store, world.clock),
        clock=world.clock,
        ids=SequentialIds(),
        configured_admins={"slack:U0HR"},
    )
    await recognition.budgets.create_programme(Programme("kudos", "Kudos", "USD"), "setup")
    await recognition.budgets.credit("kudos", Money(10000, "USD"), "setup")
    await recognition.sender.send(Rewarding(world, recognition).send(ADA, minor=2500))
    return Rewarding(world, recognition)


async def spend_in_euros(rewarding: Rewarding, minor: int, key: str = "eur-1") -> str:
    reward_id = next(iter(rewarding.world.store.rewards))
    order = rewarding.world.order_for(user=ADA, product=TEA, minor=minor, key=key)
    return (
        await rewarding.world.checkout.place_order(replace(order, reward_id=reward_id))
    ).order_id


async def test_a_usd_reward_buys_a_eur_voucher_at_the_locked_rate_and_the_ledger_balances_in_both(
    abroad: Rewarding,
) -> None:
    world = abroad.world

    order_id = await spend_in_euros(abroad, 2000)

    order = world.store.orders[order_id]
    assert order.status is OrderStatus.ISSUED and world.gateway.intents == {}  # no PaymentIntent
    assert world.provider.issued == [order_id]
    assert (
        order.fx is not None
        and order.fx.charged == Money(2170, "USD")
        and order.fx.target == Money(2000, "EUR")
    )
    reward = next(iter(world.store.rewards.values()))
    assert reward.spent == 2170 and reward.available == 330
    async with MemoryUnitOfWork(world.store, world.clock) as uow:
        entries = await uow.ledger.entries("kudos")
    (debit,) = [e for e in entries if e.kind is LedgerKind.DEBIT]
    assert debit.minor == 2170 and debit.fx is not None
    assert (debit.fx.target, debit.fx.rate, debit.fx.source, debit.fx.as_of) == (
        Money(2000, "EUR"),
        Decimal("1.08500000"),
        "ecb",
        PUBLISHED,
    )
    assert (
        convert(debit.fx.target, debit.fx.rate, "USD").minor == debit.minor
    )  # both currencies, to the cent
    budget = Budget.of(entries)
    assert (budget.credited, budget.reserved, budget.spent) == (10000, 330, 2170)


async def test_the_rate_is_locked_when_the_order_is_made_not_when_rates_change(
    abroad: Rewarding,
) -> None:
    world = abroad.world
    order_id = await spend_in_euros(abroad, 1000)
    assert world.checkout.rates is not None
    await world.checkout.rates.set("EUR", "USD", Decimal(2), "cli:ops")

    again = await spend_in_euros(
        abroad, 1000
    )  # the same request key: the same order, the same rate

    assert again == order_id and world.store.orders[order_id].fx.charged == Money(1085, "USD")  # type: ignore[union-attr]


async def test_a_eur_voucher_the_converted_reward_cannot_cover_is_refused_without_a_card(
    abroad: Rewarding,
) -> None:
    with pytest.raises(ConvertedAboveReward, match=r"more than the \$25 left"):
        await spend_in_euros(abroad, 2500)  # €25 = $27.13

    assert abroad.world.store.orders == {} and abroad.world.gateway.intents == {}


async def test_stale_rates_stop_a_conversion_with_a_clear_message(abroad: Rewarding) -> None:
    abroad.world.clock.advance(hours=120)

    with pytest.raises(StaleRate, match="conversion is paused"):
        await spend_in_euros(abroad, 1000)
    assert abroad.world.store.orders == {}


async def test_a_programme_margin_is_charged_to_the_reward_and_recorded(
    abroad: Rewarding, world: World
) -> None:
    programme = world.store.programmes["kudos"]
    world.store.programmes["kudos"] = replace(programme, fx_margin_bps=100)

    order_id = await spend_in_euros(abroad, 1000)

    fx = world.store.orders[order_id].fx
    assert fx is not None and fx.margin_bps == 100 and fx.charged == Money(1096, "USD")  # 10.9585


async def test_the_checkout_refuses_a_product_outside_the_programmes_curated_catalog(
    abroad: Rewarding,
) -> None:
    world = abroad.world
    world.checkout.curations = FakeCurations(
        CatalogRule.of("kudos", "brand", "Quiet Harbour Books")
    )

    with pytest.raises(NotInProgrammeCatalog, match="not in the Kudos catalog"):
        await spend_in_euros(abroad, 1000)  # Lantern Tea is not picked

    assert world.store.orders == {} and world.gateway.intents == {}
    page = world.checkout.browse(CatalogQuery(programme="kudos"))
    assert [card.brand for card in page.cards] == ["Quiet Harbour Books"]
