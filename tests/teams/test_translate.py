"""Pure translation of real Teams activities into what the person asked for."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from adapters.i18n import localizer, words
from adapters.teams.address import TeamsAddress
from adapters.teams.translate import (
    Browse,
    Buy,
    ChooseProduct,
    OpenCheckout,
    ShowHelp,
    ShowWallet,
    UnreadableCommand,
    command_text,
    execute_data,
    intent_of_data,
    intent_of_message,
    intent_of_text,
    query_data,
    query_of_data,
    request_key,
    task_data,
    user_of,
)
from core.catalog import CatalogQuery
from tests.teams.conftest import fixture_activity


def activity(name: str, **changes: Any) -> Activity:
    return Activity().deserialize({**fixture_activity(name), **changes})


def test_the_bot_mention_is_stripped_from_a_channel_post() -> None:
    post = activity(
        "message.channel_mention.botbuilder_js_recording",
        text="<at>My Combined</at> vouchers coffee\n",
    )

    assert command_text(post) == "vouchers coffee"
    assert intent_of_message(post) == Browse(CatalogQuery(text="coffee"))


def test_a_thread_reply_mentioning_the_bot_is_read_without_the_mention() -> None:
    reply = activity(
        "message.channel_reply_mention.teams_net", text="<at>ridotest</at> vouchers mine"
    )

    assert intent_of_message(reply) == ShowWallet()


def test_plain_commands_in_a_personal_chat() -> None:
    assert intent_of_text("vouchers") == Browse(CatalogQuery())
    assert intent_of_text("Vouchers MINE") == ShowWallet()
    assert intent_of_text("help") == ShowHelp()
    assert intent_of_text("") == ShowHelp()
    unknown = intent_of_text("file")
    assert isinstance(unknown, ShowHelp) and "file" in unknown.note


def test_filters_become_a_catalog_query_with_prices_in_minor_units() -> None:
    query = intent_of_text("vouchers tea currency:eur country:de max:50 min:5 page:2")

    assert query == Browse(
        CatalogQuery(
            text="tea", currency="EUR", country="DE", max_price=5000, min_price=500, page=2
        )
    )
    assert intent_of_text("vouchers max:1000 currency:JPY") == Browse(
        CatalogQuery(currency="JPY", max_price=1000)
    )


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("vouchers colour:red", "Unknown filter “colour:”"),
        ("vouchers max:lots", "not a price"),
        ("vouchers currency:euro", "not a currency"),
        ("vouchers country:Germany", "not a two-letter country"),
        ("vouchers page:0", "not a page"),
    ],
)
def test_a_wrong_filter_is_explained(text: str, hint: str) -> None:
    with pytest.raises(UnreadableCommand, match=hint):
        intent_of_text(text)


def test_a_wrong_filter_is_explained_in_the_persons_language_and_category_is_a_filter() -> None:
    with pytest.raises(UnreadableCommand) as refused:
        intent_of_text("vouchers currency:euro")

    assert words.error_text(refused.value, localizer("de-DE")) == (
        "“euro” ist kein Währungscode; versuchen Sie “currency:EUR”."
    )
    assert intent_of_text("vouchers category:Coffee").query.category == "coffee"  # type: ignore[union-attr]


def test_card_data_round_trips_the_search_for_paging_and_back() -> None:
    query = CatalogQuery(text="tea", currency="EUR", country="DE", max_price=5000, page=3)

    assert query_of_data(query_data(query)) == query
    assert intent_of_data(
        {"cmd": "choose", "product": "lantern-tea", **query_data(query)}
    ) == ChooseProduct("lantern-tea", query)


def test_an_action_submit_value_is_read_from_the_message() -> None:
    press = activity(
        "message.card_submit_value.botbuilder_js_recording",
        value={"cmd": "buy", "product": "lantern-tea", "amount": "42"},
    )

    assert intent_of_message(press) == Buy("lantern-tea", "42", CatalogQuery())


def test_a_card_we_did_not_make_is_refused_politely() -> None:
    foreign = activity("message.card_submit_value.botbuilder_js_recording")

    with pytest.raises(UnreadableCommand, match="type “vouchers”"):
        intent_of_message(foreign)
    with pytest.raises(UnreadableCommand):
        intent_of_data({"cmd": "buy", "amount": "42"})


def test_an_empty_amount_is_the_persons_to_fix_not_a_broken_card() -> None:
    assert intent_of_data({"cmd": "buy", "product": "lantern-tea"}) == Buy(
        "lantern-tea", "", CatalogQuery()
    )


def test_action_execute_and_task_fetch_data_are_found_where_teams_puts_them() -> None:
    execute = activity("invoke.adaptiveCard_action.execute.teams_net")
    fetch = activity("invoke.task_fetch.botbuilder_js_recording")
    fetch.value["data"] = {"cmd": "pay", "order": "ord_1", "type": "task/fetch"}

    assert execute_data(execute) == {"feedback": "test invokes"}
    assert intent_of_data(task_data(fetch)) == OpenCheckout("ord_1")


def test_the_user_is_their_entra_id_in_the_tenant_from_channel_data() -> None:
    user = user_of(activity("message.channel_mention.botbuilder_js_recording"))

    assert (user.platform, user.tenant, user.user_id, user.name) == (
        "teams",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "6b703ce3-6d14-4fe6-b90c-dc5f03657ae4",
        "Dave Taniguchi",
    )


def test_a_retried_activity_and_a_double_tap_share_a_request_key_but_people_do_not() -> None:
    first = activity("message.card_submit_value.botbuilder_js_recording")
    retried = activity("message.card_submit_value.botbuilder_js_recording")
    second_tap = activity("message.card_submit_value.botbuilder_js_recording", id="f:another-tap")
    colleague = activity("message.card_submit_value.botbuilder_js_recording")
    colleague.from_property.aad_object_id = "0c8f6d7e-1111-4c4c-9a9a-colleague"

    assert request_key(first) == request_key(retried) == request_key(second_tap)
    assert request_key(colleague) != request_key(first)


def test_the_address_keeps_the_reference_the_tenant_and_the_card_to_update() -> None:
    press = activity("message.card_submit_value.botbuilder_js_recording")

    ref = TeamsAddress.of(press, card_id=press.reply_to_id).to_ref()
    address = TeamsAddress.parse(ref)

    assert ref.platform == "teams"
    assert address.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert address.card_id == "1:1g3Sc3hSqAvmoAIhMskhBW8kahcBMC2urNd_TZF79abY"
    assert address.reference.conversation.id == press.conversation.id
    assert address.reference.service_url == "https://smba.trafficmanager.net/amer/"
    assert not address.is_personal
    assert TeamsAddress.of(activity("message.personal.botbuilder_js_recording")).is_personal
