"""Slack payloads into the core's terms: commands, queries, addresses and request keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack import translate
from adapters.slack.translate import Browse, Buy, InvalidQuery, ShowHelp, ShowWallet, SlackAddress
from core.catalog import CatalogQuery
from tests.slack.conftest import FIXTURES


def test_plain_vouchers_browses_the_first_page() -> None:
    assert translate.parse_command("") == Browse(CatalogQuery())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", ShowHelp()),
        ("HELP", ShowHelp()),
        ("mine", ShowWallet()),
        ("buy lantern-tea 42", Buy("lantern-tea", "42")),
        ("buy lantern-tea", ShowHelp()),
    ],
)
def test_keywords_pick_help_the_wallet_or_a_direct_order(text: str, expected: object) -> None:
    assert translate.parse_command(text) == expected


def test_words_and_filters_become_a_catalog_query_in_minor_units() -> None:
    query = translate.query_from_text("coffee beans currency:eur country:de max:50 min:10 page:2")

    assert query == CatalogQuery(
        text="coffee beans", country="DE", currency="EUR", max_price=5000, min_price=1000, page=2
    )


def test_prices_follow_the_currency_exponent() -> None:
    assert translate.query_from_text("currency:JPY max:5000").max_price == 5000


def test_a_colon_in_a_search_word_is_kept_as_text() -> None:
    assert translate.query_from_text("ratio:2 vouchers").text == "ratio:2 vouchers"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("currency:EURO", "`currency:EURO` is not a currency code"),
        ("country:Germany", "two-letter country code"),
        ("max:lots", "`lots` is not a price"),
        ("page:0", "`page:0` is not a page number"),
    ],
)
def test_unreadable_filters_are_explained(text: str, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        translate.query_from_text(text)


queries = st.builds(
    CatalogQuery,
    text=st.text(max_size=translate.MAX_SEARCH_TEXT),
    country=st.none() | st.sampled_from(["DE", "US"]),
    currency=st.none() | st.sampled_from(["EUR", "USD", "JPY"]),
    max_price=st.none() | st.integers(0, 10**11),
    min_price=st.none() | st.integers(0, 10**11),
    page=st.integers(1, 10**6),
)


@given(queries)
def test_a_query_survives_a_round_trip_through_a_button_value_within_its_limit(
    query: CatalogQuery,
) -> None:
    value = translate.encode_query(query)

    assert len(value) <= 2000
    assert translate.decode_query(value) == query


@given(st.text(min_size=1, max_size=60), queries)
def test_a_choose_button_carries_the_product_and_the_page_to_return_to(
    product_id: str, query: CatalogQuery
) -> None:
    value = translate.encode_choice(product_id, query)

    assert len(value) <= 2000
    assert translate.chosen_product({"type": "button", "value": value}) == (product_id, query)


def test_a_slash_command_is_addressed_by_its_channel_and_response_url() -> None:
    body = {
        "team_id": "T0VB",
        "user_id": "U0ADA",
        "user_name": "ada",
        "channel_id": "C0GENERAL",
        "command": "/vouchers",
        "response_url": "https://hooks.slack.com/commands/T0VB/1/x",
        "trigger_id": "13.4.abc",
    }

    address = SlackAddress.from_json(translate.conversation_of(body).address)

    assert address == SlackAddress(
        team="T0VB",
        user="U0ADA",
        channel="C0GENERAL",
        response_url="https://hooks.slack.com/commands/T0VB/1/x",
        ephemeral=True,
    )
    assert translate.command_request_key(body) == "slack:T0VB:U0ADA:command:13.4.abc"


def test_an_action_on_a_message_the_app_posted_keeps_its_ts_for_chat_update() -> None:
    body = json.loads(
        (FIXTURES / "payloads" / "block_actions.button_in_message.slack_docs.json").read_text()
    )

    address = SlackAddress.from_json(translate.conversation_of(body).address)

    assert (address.team, address.user, address.channel) == ("T9TK3CUKW", "UA8RXUSPL", "CBR2V3XEX")
    assert address.ts == "1548261231.000200" and address.ephemeral is False


def test_an_enterprise_workspace_is_part_of_the_address() -> None:
    body = json.loads((FIXTURES / "payloads" / "block_actions.button.bolt_python.json").read_text())

    address = SlackAddress.from_json(translate.conversation_of(body).address)

    assert address.enterprise == "E111" and address.ephemeral is True and address.ts == ""


def test_clicks_on_one_message_for_one_product_share_a_request_key() -> None:
    body = json.loads((FIXTURES / "payloads" / "block_actions.button.bolt_python.json").read_text())
    twice = {**body, "actions": [{**body["actions"][0], "action_ts": "1596530399.000001"}]}

    assert translate.action_request_key(body, "books") == translate.action_request_key(
        twice, "books"
    )
    assert translate.action_request_key(body, "books") == "slack:T111:W111:111.222:books"
    assert translate.action_request_key(body, "tea") != translate.action_request_key(body, "books")


def test_a_typed_amount_is_read_from_the_input_or_from_the_message_state() -> None:
    typed = {
        "type": "plain_text_input",
        "block_id": "vb_amount:lantern-tea",
        "action_id": "vb_amount_input",
        "value": "42",
    }
    button = {"type": "button", "action_id": "vb_amount_submit", "value": "lantern-tea"}
    body = {"state": {"values": {"vb_amount:lantern-tea": {"vb_amount_input": {"value": "17.50"}}}}}

    assert translate.typed_amount({}, typed) == ("lantern-tea", "42")
    assert translate.typed_amount(body, button) == ("lantern-tea", "17.50")
    assert translate.typed_amount({}, button) == ("lantern-tea", "")


def test_a_denomination_value_carries_product_and_minor_units() -> None:
    value = translate.encode_denomination("odd|id", 2500)

    assert translate.chosen_denomination({"value": value}) == ("odd|id", 2500)
    assert translate.chosen_denomination({"selected_option": {"value": value}}) == ("odd|id", 2500)


def test_the_user_of_each_payload_kind_has_the_same_identity_key() -> None:
    command = {"team_id": "T0VB", "user_id": "U0ADA", "user_name": "ada"}
    action = {"user": {"id": "U0ADA", "username": "ada", "team_id": "T0VB"}, "team": {"id": "T0VB"}}
    event = {"team_id": "T0VB", "event": {"type": "app_home_opened", "user": "U0ADA"}}

    keys = {
        translate.user_of(command).key,
        translate.user_of(action).key,
        translate.user_of_event(event).key,
    }

    assert keys == {"slack:T0VB:U0ADA"}
