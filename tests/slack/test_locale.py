"""Slack speaks each person's locale: users.info (include_locale) read once, amounts and dates by
CLDR."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from core.catalog import Catalog
from core.identity import ChatUser
from core.milestones import Employee
from tests.slack.conftest import ADA, BOOKS, COFFEE, TEA, TEAM, SlackWorld, clicked, element
from tests.slack.test_delivery import DM, order_from_channel
from tests.slack.test_requests import section_texts
from tests.slack.test_rewards_abroad import OneEmployee

NBSP = "\xa0"


async def test_a_german_speaker_sees_the_catalog_with_german_amounts(slack: SlackWorld) -> None:
    slack.fake.add_person(ADA, "Ada Lovelace", locale="de-DE")

    catalog = await (await slack.command("books")).json()

    assert f"10{NBSP}US$ · 25{NBSP}US$ · 50{NBSP}US$" in section_texts(catalog["blocks"])


async def test_the_voucher_reaches_a_german_speaker_with_a_german_date_and_amount(
    slack: SlackWorld,
) -> None:
    slack.fake.add_person(ADA, "Ada Lovelace", locale="de-DE")
    order = await order_from_channel(slack)

    await slack.pay(order)
    await slack.relay.run_once()

    [voucher] = slack.fake.messages_in(DM)
    assert "Gültig bis: 26.11.2027" in section_texts(voucher.blocks)
    assert voucher.text == f"Ihr Quiet Harbour Books-Gutschein (25{NBSP}US$) ist bereit"
    assert f"25{NBSP}US$" in section_texts(voucher.blocks)


async def test_a_persons_locale_is_asked_for_once_and_then_remembered(slack: SlackWorld) -> None:
    slack.fake.add_person(ADA, "Ada Lovelace", locale="fr-FR")

    await slack.command("books")
    await slack.command("tea")

    lookups = slack.fake.calls_to("users.info")
    assert len(lookups) == 1 and lookups[0].args.get("include_locale") in ("true", "1", True)


async def test_someone_slack_will_not_describe_is_spoken_to_in_english(slack: SlackWorld) -> None:
    catalog = await (await slack.command("books")).json()  # Ada is not in the fake's directory

    assert "$10 · $25 · $50" in section_texts(catalog["blocks"])


async def test_reveal_on_app_home_opens_the_code_in_a_modal_only_its_owner_sees(
    slack: SlackWorld,
) -> None:
    order = await order_from_channel(slack)
    await slack.pay(order)
    await slack.relay.run_once()
    await slack.home_opened()
    await slack.settle()
    code = slack.store.vouchers[order.id].code
    home = slack.fake.views[ADA]
    assert code not in json.dumps(home)

    await slack.action(clicked(home["blocks"], "vb_reveal:0"), response_url="reveal")
    await slack.settle()

    [opened] = slack.fake.calls_to("views.open")
    assert opened.args["view"]["type"] == "modal" and f"```{code}```" in json.dumps(
        opened.args["view"]
    )


async def test_reveal_shows_nothing_for_someone_elses_order(slack: SlackWorld) -> None:
    order = await order_from_channel(slack)
    await slack.pay(order)
    await slack.relay.run_once()

    reveal = {
        "type": "button",
        "action_id": "vb_reveal:0",
        "value": order.id,
        "text": {"type": "plain_text", "text": "Reveal"},
    }
    await slack.action(reveal, user="U0GRACE", response_url="reveal")
    await slack.settle()

    assert slack.fake.calls_to("views.open") == []


async def test_plain_vouchers_shows_a_german_speakers_country_with_one_click_to_all(
    slack: SlackWorld,
) -> None:
    slack.fake.add_person(ADA, "Ada Lovelace", locale="de-DE")

    catalog = await (await slack.command("")).json()

    text = section_texts(catalog["blocks"])
    assert "Lantern Tea House" in text and "Quiet Harbour Books" not in text
    assert "Gilt in: Deutschland, Frankreich" in text
    everywhere = element(catalog["blocks"], "vb_filter:all")
    assert everywhere["text"]["text"] == "Alle Länder"

    await slack.action(clicked(catalog["blocks"], "vb_filter:all"), response_url="all")
    every = await slack.wait_for_response("all")
    assert "Quiet Harbour Books" in section_texts(every["blocks"])


async def test_the_currency_menu_filters_without_typing(slack: SlackWorld) -> None:
    catalog = await (await slack.command("")).json()
    menu = element(catalog["blocks"], "vb_filter:currency")
    euros = next(o for o in menu["options"] if o["text"]["text"].startswith("EUR"))

    await slack.action(
        {"type": "static_select", "action_id": "vb_filter:currency", "selected_option": euros},
        response_url="euros",
    )
    page = await slack.wait_for_response("euros")

    assert "Lantern Tea House" in section_texts(page["blocks"])
    assert "Quiet Harbour Books" not in section_texts(page["blocks"])
    assert element(page["blocks"], "vb_filter:currency")["initial_option"]["text"][
        "text"
    ].startswith("EUR")


async def test_a_typed_currency_the_catalog_does_not_have_says_which_it_does(
    slack: SlackWorld,
) -> None:
    catalog = await (await slack.command("currency:XYZ")).json()

    assert "No vouchers in XYZ. Vouchers come in EUR, USD." in section_texts(catalog["blocks"])


async def test_an_english_speaker_in_berlin_sees_the_catalog_for_germany_by_their_time_zone(
    slack: SlackWorld,
) -> None:
    slack.fake.add_person(ADA, "Ada Lovelace", locale="en-US", tz="Europe/Berlin")

    catalog = await (await slack.command("")).json()

    text = section_texts(catalog["blocks"])
    assert "Lantern Tea House" in text and "Quiet Harbour Books" not in text
    assert "€5 to €200" in text  # still written the en-US way


async def test_a_german_recipient_opens_their_reward_catalog_in_german(
    reward_slack: SlackWorld,
) -> None:
    from tests.slack.test_rewards import confirm, dm, send

    reward_slack.fake.add_person(ADA, "Ada Lovelace", locale="de-DE")
    await send(reward_slack, await confirm(reward_slack, f"<@{ADA}|ada> 25 Thanks"))
    await reward_slack.home_opened(user=ADA)
    await reward_slack.settle()
    home = reward_slack.fake.views[ADA]["blocks"]

    await reward_slack.action(
        clicked(home, "vb_reward_choose:0"), user=ADA, channel=dm(ADA), response_url="h"
    )
    await reward_slack.settle()

    [catalog] = reward_slack.fake.messages_in(dm(ADA))
    text = section_texts(catalog.blocks)
    assert f"Sie lösen Ihre Prämie von Hana from HR ein: noch *25{NBSP}US$*" in text


async def test_a_plain_catalog_opens_on_the_country_of_the_employee_record(
    slack: SlackWorld,
) -> None:
    """An en-US client in New York says US; the HR record says Germany, and the record wins."""
    slack.fake.add_person(ADA, "Ada Lovelace", locale="en-US", tz="America/New_York")
    slack.checkout.employees = OneEmployee(
        Employee(
            "ada@example.com",
            "Ada Lovelace",
            date(2020, 1, 1),
            country="DE",
            user=ChatUser("slack", TEAM, ADA, "Ada Lovelace"),
        )
    )

    catalog = await (await slack.command("")).json()

    text = section_texts(catalog["blocks"])
    assert "Lantern Tea House" in text and "Quiet Harbour Books" not in text
    assert element(catalog["blocks"], "vb_filter:all")["text"]["text"] == "All countries"


async def test_the_category_menu_and_a_typed_category_narrow_the_catalog(
    slack: SlackWorld,
) -> None:
    slack.checkout.catalog = Catalog(
        [replace(BOOKS, categories=("books",)), replace(TEA, categories=("tea",)), COFFEE]
    )
    catalog = await (await slack.command("")).json()
    menu = element(catalog["blocks"], "vb_filter:category")
    tea = next(o for o in menu["options"] if o["text"]["text"] == "Tea")

    await slack.action(
        {"type": "static_select", "action_id": "vb_filter:category", "selected_option": tea},
        response_url="tea",
    )
    page = section_texts((await slack.wait_for_response("tea"))["blocks"])
    typed = section_texts((await (await slack.command("category:crypto")).json())["blocks"])

    assert "Lantern Tea House" in page and "Quiet Harbour Books" not in page
    assert "No vouchers in the category “crypto”. Categories: Books, Tea." in typed
