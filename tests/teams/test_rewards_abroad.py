"""A USD reward redeemed in Teams by a recipient whose client says Germany: EUR vouchers, no
card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.fx import Rate, Rates, convert
from core.money import Money
from core.orders import OrderStatus
from core.rewards import Budget, LedgerKind
from tests.fake_connector import Call, Member
from tests.fake_countries import FakeCountries
from tests.fake_rates import FakeRateSource
from tests.teams.conftest import ADA, TEA, TeamsWorld, as_member, card_text, press
from tests.teams.test_rewards import personal_chat
from tests.teams.test_rewards_redeem import delivered_rewards, reward_of
from tests.unit.conftest import BOOKS

EUR_USD = Rate("EUR", "USD", Decimal("1.0850"), "ecb", datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
IN_GERMANY = {"type": "clientInfo", "locale": "de-DE", "country": "DE", "platform": "Web"}


async def open_catalog(teams: TeamsWorld, member: Member, client: dict[str, str]) -> Call:
    chat = personal_chat(member)
    (notice,) = [
        c
        for c in teams.connector.in_conversation(chat)
        if c.cards and "thanked" in card_text(c.card)
    ]
    press_choose = teams.submit(
        as_member(teams, member, chat), notice, press(notice.card, "Choose your voucher")
    )
    others = [e for e in press_choose.get("entities", []) if e["type"] != "clientInfo"]
    press_choose["entities"] = [*others, client]  # Teams sends one clientInfo per activity
    await teams.post(press_choose)
    return teams.connector.delivered()[-1]


async def test_a_recipient_in_germany_redeems_a_usd_reward_for_a_eur_voucher_at_the_shown_rate(
    rewarding: TeamsWorld,
) -> None:
    rewarding.checkout.rates = Rates(
        FakeRateSource([EUR_USD]), rewarding.clock, timedelta(hours=96)
    )
    await delivered_rewards(rewarding)

    catalog = await open_catalog(rewarding, ADA, IN_GERMANY)

    text = card_text(catalog.card)
    assert "Lantern Tea" in text and "Quiet Harbour Books" not in text
    assert "Your $25 buys up to €23.04 at 1 EUR = 1.085 USD (ecb, Nov 25, 2026)" in text
    assert "no card needed" in text
    chat = personal_chat(ADA)
    me = as_member(rewarding, ADA, chat)
    await rewarding.post(
        rewarding.submit(me, catalog, press(catalog.card, "Choose", product=TEA.id))
    )
    product = rewarding.connector.delivered()[-1]
    await rewarding.post(
        rewarding.submit(
            me, product, press(product.card, "Continue to payment", {"amount": "20.00"})
        )
    )
    summary = card_text(rewarding.connector.delivered()[-1].card)

    assert (
        "$21.70 from your reward at 1 EUR = 1.085 USD (ecb, Nov 25, 2026)" in summary
        and "Pay" not in summary
    )
    assert rewarding.gateway.intents == {}  # no PaymentIntent
    (order,) = rewarding.store.orders.values()
    assert order.status is OrderStatus.ISSUED and order.amount == Money(2000, "EUR")
    (debit,) = [e for e in rewarding.store.ledger if e.kind is LedgerKind.DEBIT]
    assert debit.fx is not None and (debit.minor, debit.fx.target) == (2170, Money(2000, "EUR"))
    assert convert(debit.fx.target, debit.fx.rate, "USD").minor == debit.minor
    budget = Budget.of(e for e in rewarding.store.ledger if e.programme_id == "kudos")
    assert (
        budget.credited == budget.available + budget.reserved + budget.spent
        and budget.spent == 2170
    )
    assert reward_of(rewarding, ADA).available == 330


async def test_without_client_info_the_catalog_stays_in_the_rewards_currency(
    rewarding: TeamsWorld,
) -> None:
    rewarding.checkout.rates = Rates(
        FakeRateSource([EUR_USD]), rewarding.clock, timedelta(hours=96)
    )
    await delivered_rewards(rewarding)

    catalog = await open_catalog(
        rewarding, ADA, {"type": "clientInfo", "locale": "en-US", "country": "US"}
    )

    text = card_text(catalog.card)
    assert BOOKS.brand in text and "Lantern Tea" not in text and "buys up to" not in text


async def test_a_recipient_who_says_they_are_in_germany_gets_the_german_catalog(
    rewarding: TeamsWorld,
) -> None:
    rewarding.checkout.rates = Rates(
        FakeRateSource([EUR_USD]), rewarding.clock, timedelta(hours=96)
    )
    rewarding.checkout.countries = FakeCountries()
    await delivered_rewards(rewarding)
    says = as_member(rewarding, ADA, personal_chat(ADA))
    says.update(text="vouchers country de", id="ada-says-de")
    says.pop("value", None)

    await rewarding.post(says)
    answer = rewarding.connector.delivered()[-1]
    catalog = await open_catalog(
        rewarding, ADA, {"type": "clientInfo", "locale": "en-US", "country": "US"}
    )

    assert "now open the catalog for Germany" in answer.text
    text = card_text(catalog.card)
    assert "Lantern Tea" in text and BOOKS.brand not in text and "buys up to €23.04" in text
