"""A USD reward redeemed in Slack by a recipient in Germany: EUR vouchers, the rate shown, no
card."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from adapters.slack.translate import picker_currency
from core.fx import Rate, Rates, convert
from core.identity import ChatUser
from core.milestone_calendar import Employee
from core.money import Money
from core.orders import OrderStatus
from core.rewards import LedgerKind
from tests.fake_countries import FakeCountries
from tests.fake_rates import FakeRateSource
from tests.slack.conftest import ADA, KUDOS, SlackWorld
from tests.slack.test_requests import section_texts
from tests.slack.test_rewards import budget, confirm, dm, in_dm, send

EUR_USD = Rate("EUR", "USD", Decimal("1.0850"), "ecb", datetime(2026, 11, 25, 14, 0, tzinfo=UTC))


def with_rates(slack: SlackWorld) -> None:
    slack.checkout.rates = Rates(FakeRateSource([EUR_USD]), slack.clock, timedelta(hours=96))


async def open_catalog(slack: SlackWorld) -> str:
    await send(slack, await confirm(slack, f"<@{ADA}|ada> 25 Thanks"))
    await slack.relay.run_once()
    # The notice by its button: a recipient whose Slack speaks German reads it in German.
    notice = next(
        m for m in slack.fake.messages_in(dm(ADA)) if "vb_reward_choose" in json.dumps(m.blocks)
    )
    await in_dm(slack, ADA, notice, "vb_reward_choose", "ada-open")
    await slack.settle()
    return section_texts(slack.fake.messages_in(dm(ADA))[-1].blocks)


async def test_a_recipient_in_germany_redeems_a_usd_reward_for_a_eur_voucher_without_a_card(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    with_rates(slack)
    slack.fake.locales[ADA] = "de-DE"

    text = await open_catalog(slack)

    assert (
        "Copper Kettle Coffee" in text
        and "Lantern Tea House" in text
        and "Quiet Harbour Books" not in text
    )
    # Said in Ada's German, with German numbers and dates (the core gives the rate as data).
    assert (
        "Ihre 25\xa0US$ reichen für bis zu 23,04\xa0€ zum Kurs 1 EUR = 1,085 USD (ecb, 25.11.2026)"
        in text
    )
    catalog = slack.fake.messages_in(dm(ADA))[-1]
    await in_dm(slack, ADA, catalog, "vb_choose:0", "ada-choose")  # Copper Kettle: €10 or €20
    card = await slack.wait_for_response("ada-choose")
    await in_dm(slack, ADA, catalog, "vb_denomination:1", "ada-buy", card["blocks"])
    summary = await slack.wait_for_response("ada-buy")

    assert (
        "21,70\xa0US$ aus Ihrer Prämie zum Kurs 1 EUR = 1,085 USD (ecb, 25.11.2026)"
        in section_texts(summary["blocks"])
    )
    assert (
        "vb_pay" not in json.dumps(summary["blocks"]) and slack.gateway.intents == {}
    )  # no PaymentIntent
    (order,) = slack.store.orders.values()
    assert order.status is OrderStatus.ISSUED and order.amount == Money(2000, "EUR")
    (debit,) = [e for e in slack.store.ledger if e.kind is LedgerKind.DEBIT]
    assert debit.minor == 2170 and debit.fx is not None and debit.fx.target == Money(2000, "EUR")
    assert convert(debit.fx.target, debit.fx.rate, "USD").minor == debit.minor
    ledger = budget(slack)
    assert (ledger.credited, ledger.spent, ledger.reserved) == (10000, 2170, 330)
    (reward,) = slack.store.rewards.values()
    assert reward.spent == 2170 and reward.amount.minor - reward.spent == ledger.reserved


async def test_stale_rates_keep_the_catalog_in_the_rewards_currency_and_say_why(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    with_rates(slack)
    slack.fake.locales[ADA] = "de-DE"
    slack.clock.advance(hours=200)

    text = await open_catalog(slack)

    assert "Quiet Harbour Books" in text and "Copper Kettle Coffee" not in text
    assert "ist zu alt" in text and "in ihrer eigenen Währung" in text


async def test_a_recipient_in_the_programmes_country_sees_its_currency_as_before(
    reward_slack: SlackWorld,
) -> None:
    with_rates(reward_slack)

    text = await open_catalog(reward_slack)  # en-US

    assert (
        "Quiet Harbour Books" in text
        and "Copper Kettle Coffee" not in text
        and "buys up to" not in text
    )


# --- no card by default ---------------------------------------------------------------------------


async def test_without_card_top_up_a_voucher_above_the_reward_is_neither_offered_nor_sold(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    slack.store.programmes[KUDOS] = replace(slack.store.programmes[KUDOS], card_topup=False)
    await open_catalog(slack)
    catalog = slack.fake.messages_in(dm(ADA))[-1]
    await in_dm(
        slack, ADA, catalog, "vb_choose:0", "ada-choose"
    )  # Quiet Harbour Books: $10, $25, $50
    card = await slack.wait_for_response("ada-choose")

    labels = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert (
        "Buy $10" in labels
        and "Buy $25" in labels
        and not [label for label in labels if "$50" in label]
    )
    assert "Paid from your reward; no card needed." in json.dumps(card["blocks"])
    forged = json.loads(json.dumps(card["blocks"]).replace('\\"m\\":2500', '\\"m\\":5000'))
    await in_dm(slack, ADA, catalog, "vb_denomination:1", "ada-forged", forged)
    refusal = await slack.wait_for_response("ada-forged")

    assert "Your reward covers up to $25" in json.dumps(refusal) and slack.store.orders == {}
    assert slack.gateway.intents == {}


async def test_with_card_top_up_each_amount_above_the_reward_says_what_the_card_pays(
    reward_slack: SlackWorld,
) -> None:
    await open_catalog(reward_slack)
    catalog = reward_slack.fake.messages_in(dm(ADA))[-1]
    await in_dm(reward_slack, ADA, catalog, "vb_choose:0", "ada-choose")
    card = await reward_slack.wait_for_response("ada-choose")

    labels = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels[:3] == ["Buy $10", "Buy $25", "Buy $50 (you pay $25 by card)"]


# --- the recipient chooses their country ----------------------------------------------------------


async def test_a_recipient_who_says_they_are_in_germany_gets_the_german_catalog(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    with_rates(slack)
    slack.checkout.countries = FakeCountries()  # Ada's Slack locale says en-US

    said = await slack.command("country de", user=ADA)
    refused = await slack.command("country Germany", user=ADA)
    text = await open_catalog(slack)

    assert "now open the catalog for Germany" in json.dumps(
        await said.json()
    )  # the country by its name
    assert "not a country code" in json.dumps(await refused.json())
    assert (
        "Copper Kettle Coffee" in text
        and "Quiet Harbour Books" not in text
        and "buys up to €23.04" in text
    )
    assert slack.checkout.countries.chosen[f"slack:T0VB:{ADA}"][:2] == ("DE", "recipient")


async def test_the_country_on_the_employee_record_wins_over_the_platform_but_not_over_the_recipient(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    with_rates(slack)
    slack.checkout.countries = FakeCountries()
    slack.checkout.employees = OneEmployee(
        Employee(
            "ada@harbour.example",
            "Ada Lovelace",
            date(2020, 1, 6),
            user=ChatUser("slack", "T0VB", ADA, "Ada"),
            country="DE",
        )
    )

    in_germany = await open_catalog(slack)  # Slack says en-US; HR says DE
    await slack.command("country us", user=ADA)
    await in_dm(slack, ADA, slack.fake.messages_in(dm(ADA))[0], "vb_reward_choose", "ada-again")
    await slack.settle()
    at_home = section_texts(slack.fake.messages_in(dm(ADA))[-1].blocks)

    assert "Copper Kettle Coffee" in in_germany and "Quiet Harbour Books" not in in_germany
    assert "Quiet Harbour Books" in at_home and "Copper Kettle Coffee" not in at_home


class OneEmployee:
    def __init__(self, employee: Employee) -> None:
        self.employee = employee

    async def by_user(self, platform: str, tenant: str, user_id: str) -> Employee | None:
        user = self.employee.user
        known = user is not None and (platform, tenant, user_id) == (
            user.platform,
            user.tenant,
            user.user_id,
        )
        return self.employee if known else None


async def test_the_search_box_of_a_catalog_abroad_searches_the_recipients_currency(
    reward_slack: SlackWorld,
) -> None:
    with_rates(reward_slack)
    reward_slack.fake.locales[ADA] = "de-DE"

    await open_catalog(reward_slack)

    blocks = reward_slack.fake.messages_in(dm(ADA))[-1].blocks
    picker = next(
        b
        for b in blocks
        if b["type"] == "actions" and b["elements"][0]["type"] == "external_select"
    )
    assert picker_currency(picker["block_id"]) == "EUR"
