"""Rates, curated catalogs, chosen countries and a converted reward order on SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from adapters.fx.ecb import parse_ecb
from bot.build.channels import PLATFORMS
from core.catalog import Catalog
from core.checkout import Checkout, PlaceOrder
from core.curation import CatalogRule
from core.employees import employee_from_row
from core.fx import Rate, Rates
from core.money import Money
from core.orders import OrderStatus
from core.platforms import platform_names
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import LedgerKind, Recipient
from tests.conftest import FIXTURES
from tests.db.conftest import ADA, Backend
from tests.db.test_rewards_on_database import HR, KUDOS, dm
from tests.fakes import FakeGateway, FakeProvider, SequentialIds
from tests.unit.conftest import BOOKS, TEA

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names


async def test_rates_keep_the_newest_per_pair_exactly_as_decimals(backend: Backend) -> None:
    store = backend.database.rate_store()
    ecb = parse_ecb((FIXTURES / "fx" / "ecb-eurofxref-daily.xml").read_bytes())

    await store.put(ecb)
    admin = Rate("EUR", "GBP", Decimal("0.84000001"), "admin:cli:ops", backend.clock.now())
    await store.put([admin])

    kept = {(r.base, r.quote): r for r in await store.all()}
    assert len(kept) == 5 and kept[("EUR", "GBP")] == admin
    assert (
        kept[("EUR", "USD")].value == Decimal("1.0850")
        and kept[("EUR", "USD")].as_of == ecb[0].as_of
    )


async def test_curated_picks_and_chosen_countries_are_kept(backend: Backend) -> None:
    picks, countries = backend.database.curations(), backend.database.recipient_countries()
    brand = CatalogRule.of("kudos", "brand", "Lantern Tea House")

    assert await picks.add(brand) and not await picks.add(brand)
    await picks.add(CatalogRule.of("kudos", "country", "de"))
    assert await picks.remove(CatalogRule.of("kudos", "country", "DE"))
    assert not await picks.remove(CatalogRule.of("kudos", "country", "DE"))
    assert await picks.rules("kudos") == [brand] and await picks.all() == [brand]

    await countries.set(ADA.key, "FR", "platform", backend.clock.now())
    await countries.set(ADA.key, "DE", "recipient", backend.clock.now())
    assert (await countries.get(ADA.key), await countries.get("slack:T0:nobody")) == ("DE", None)


async def test_a_usd_reward_buys_a_eur_voucher_and_the_locked_rate_is_stored_with_the_order_and_ledger(
    backend: Backend,
) -> None:
    ids, uow = SequentialIds(), backend.database.unit_of_work
    recognition = Recognition(
        uow=uow, clock=backend.clock, ids=ids, configured_admins={"slack:U0HR"}
    )
    rates = Rates(backend.database.rate_store(), backend.clock, timedelta(hours=96))
    checkout = Checkout(
        uow=uow,
        catalog=Catalog([BOOKS, TEA]),
        gateway=FakeGateway(),
        providers={"builtin": FakeProvider()},
        clock=backend.clock,
        ids=ids,
        public_base_url="https://vouchers.example.com",
        rates=rates,
        curations=backend.database.curations(),
    )
    await recognition.budgets.create_programme(replace(KUDOS, fx_margin_bps=150), "setup")
    await recognition.budgets.credit("kudos", Money(10000, "USD"), "setup")
    await rates.set("EUR", "USD", Decimal("1.0850"), "cli:ops")
    report = await recognition.sender.send(
        SendRewards(HR, (Recipient(ADA, dm(ADA)),), Money(5000, "USD"), "Thanks", "kudos", "r-1")
    )

    placed = await checkout.place_order(
        PlaceOrder(
            ADA, TEA.id, Money(2000, "EUR"), dm(ADA), "eur-1", reward_id=report.sent[0].reward_id
        )
    )

    async with uow() as unit:
        order = await unit.orders.get(placed.order_id)
        entries = await unit.ledger.entries("kudos")
        programme = await unit.programmes.get("kudos")
    assert (
        order.status is OrderStatus.ISSUED
        and programme.fx_margin_bps == 150
        and not programme.card_topup
    )
    assert order.fx is not None and order.fx.charged == Money(
        2203, "USD"
    )  # 20 × 1.0850 × 1.015 = 22.02550
    (debit,) = [e for e in entries if e.kind is LedgerKind.DEBIT]
    assert debit.minor == 2203 and debit.fx == order.fx and debit.fx.rate == Decimal("1.10127500")
    assert debit.fx.source == "admin:cli:ops" and debit.fx.as_of == backend.clock.now()


async def test_an_employee_records_country_is_kept(backend: Backend) -> None:
    employees = backend.database.hr_stores().employees
    row = {
        "email": "ada@harbour.example",
        "name": "Ada Lovelace",
        "start_date": "2020-01-06",
        "platform": "slack",
        "user_id": ADA.user_id,
        "tenant": ADA.tenant,
        "country": "DE",
    }

    await employees.upsert([employee_from_row(row, platforms=PLATFORM_NAMES)], "cli:ops")

    found = await employees.by_user("slack", ADA.tenant, ADA.user_id)
    assert found is not None and found.country == "DE"
