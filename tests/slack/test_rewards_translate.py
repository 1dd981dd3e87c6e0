"""Pure translation for rewards: /reward text, the form, CSV rows, and the reward carried through a
catalog."""

from __future__ import annotations

import pytest

from adapters.i18n import localizer, words
from adapters.slack import translate
from adapters.slack.bulk import InvalidFile, parse_rows
from adapters.slack.reward_text import (
    InvalidReward,
    RewardForm,
    RewardText,
    form_errors,
    parse_reward,
    plain_text,
    reward_form,
)
from core.catalog import CatalogQuery


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<@U0ADA|ada> <@U0LIN> 25 Thanks for the launch",
            RewardText(("U0ADA", "U0LIN"), (), False, "25", None, "Thanks for the launch"),
        ),
        (
            "<!subteam^S0LIGHT|@lighthouse> <@U0ADA|ada> 12.50 EUR Danke schön",
            RewardText(("U0ADA",), ("S0LIGHT",), False, "12.50", "EUR", "Danke schön"),
        ),
        (
            "<!here> £1,000 for the record quarter",
            RewardText((), (), True, "1000", "GBP", "for the record quarter"),
        ),
        (
            "<!channel|channel> 5 usd for everyone",
            RewardText((), (), True, "5", "USD", "for everyone"),
        ),
        (
            "<@U0ADA|ada> <@U0ADA|ada> 5 for help",
            RewardText(("U0ADA",), (), False, "5", None, "for help"),
        ),
    ],
)
def test_mentions_amount_currency_and_reason_are_read_in_order(
    text: str, expected: RewardText
) -> None:
    assert parse_reward(text, currencies={"USD", "EUR"}) == expected


def test_a_word_after_the_amount_is_the_reason_unless_it_looks_like_a_currency() -> None:
    assert parse_reward("<@U1|a> 25 for the launch", {"USD"}).currency is None
    assert parse_reward("<@U1|a> 25 eur danke", {"EUR"}).currency == "EUR"
    assert (
        parse_reward("<@U1|a> 25 CHF merci", {"EUR"}).currency == "CHF"
    )  # refused later: no CHF programme


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25 for everyone", "Start with the people to thank."),
        ("<@U0ADA|ada> lots of thanks", "Give the amount after the names."),
        ("<!everyone> 5 thanks", "`@everyone` is too many people for one reward"),
    ],
)
def test_unreadable_commands_are_explained(text: str, message: str) -> None:
    with pytest.raises(InvalidReward, match=message):
        parse_reward(text)


def test_escaped_text_reads_as_people_typed_it() -> None:
    escaped = "for helping <@U0GRACE|grace> &amp; <!subteam^S1|@ops> in <#C1|general> &lt;3 <https://x.example|the doc>"

    assert plain_text(escaped) == "for helping @grace & @ops in #general <3 the doc"


def test_the_form_is_read_from_the_view_state_and_its_metadata() -> None:
    view = {
        "private_metadata": '{"c":"C0GENERAL","u":"https://hooks.slack.com/commands/1"}',
        "state": {
            "values": {
                "vb_rw_recipients": {"vb_rw_recipients": {"selected_users": ["U0ADA", "U0LIN"]}},
                "vb_rw_amount": {"vb_rw_amount": {"value": " 20 "}},
                "vb_rw_currency": {"vb_rw_currency": {"selected_option": {"value": "USD"}}},
                "vb_rw_reason": {"vb_rw_reason": {"value": "For the migration"}},
                "vb_rw_programme": {"vb_rw_programme": {"selected_option": None}},
            }
        },
    }

    form = reward_form(view)

    assert form == RewardForm(
        ("U0ADA", "U0LIN"),
        "20",
        "USD",
        "For the migration",
        "",
        "C0GENERAL",
        "https://hooks.slack.com/commands/1",
    )
    assert form_errors(form) == {}


def test_form_errors_name_the_fields_to_fix() -> None:
    form = RewardForm((), "12.345", "JPY", "x", "", "", "")

    assert form_errors(form) == {
        "vb_rw_recipients": "Choose at least one colleague.",
        "vb_rw_amount": "JPY amounts have 0 decimals at most.",
    }


def test_csv_rows_keep_their_spreadsheet_line_numbers_and_accept_excel_exports() -> None:
    data = "\ufeffE-mail;User;Amount;Reason;Currency\r\nAda@Harbour.example;;25;Launch;usd\r\n;;;;\r\n;<@U0LIN|lin>;5;Help;\r\n"

    rows = parse_rows(data.replace("E-mail", "Email").encode())

    assert [(r.line, r.email, r.user_id, r.amount, r.reason, r.currency) for r in rows] == [
        (2, "ada@harbour.example", "", "25", "Launch", "USD"),
        (4, "", "U0LIN", "5", "Help", ""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,value\nAda,25\n", "missing: email \\(or user_id\\), amount, reason"),
        (b"email,amount,reason\n", "no rows"),
        ("email,amount,reason\nädä@x,1,ü\n".encode("latin-1"), "not UTF-8"),
        (b"email,amount,reason\n" + b"a@x,1,r\n" * 6, "at most 5 per file"),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole_with_what_to_fix(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        parse_rows(data, max_rows=5)


def test_a_reward_travels_through_choice_page_denomination_and_amount_values() -> None:
    query = CatalogQuery(currency="USD", page=2)
    choice = translate.encode_choice("quiet-harbour-books", query, "rwd_7")
    page = translate.encode_query(query, "rwd_7")
    denomination = translate.encode_denomination("odd|id", 2500, "rwd_7")
    typed = {
        "type": "plain_text_input",
        "block_id": translate.amount_block_id("lantern-tea", "rwd_7"),
        "value": "42",
    }
    buy = {"type": "button", "value": translate.product_ref("lantern-tea", "rwd_7")}
    picked = {
        "type": "external_select",
        "block_id": translate.picker_block_id("rwd_7", "USD"),
        "selected_option": {"value": "p1"},
    }

    assert translate.chosen_product({"value": choice}) == ("quiet-harbour-books", query)
    assert translate.decode_query(page) == query
    assert translate.chosen_denomination({"value": denomination}) == ("odd|id", 2500)
    assert translate.typed_amount({}, typed) == ("lantern-tea", "42")
    state = {
        "state": {
            "values": {
                translate.amount_block_id("lantern-tea", "rwd_7"): {
                    "vb_amount_input": {"value": "17"}
                }
            }
        }
    }
    assert translate.typed_amount(state, buy) == ("lantern-tea", "17")
    for action in ({"value": choice}, {"value": page}, {"value": denomination}, typed, buy, picked):
        assert translate.reward_of(action) == "rwd_7"
    assert translate.picker_currency(picked["block_id"]) == "USD"


def test_a_plain_purchase_carries_no_reward_and_typed_text_cannot_claim_one() -> None:
    plain_choice = translate.encode_choice("quiet-harbour-books", CatalogQuery())
    typed = {
        "type": "plain_text_input",
        "block_id": "vb_amount:lantern-tea",
        "value": '{"r":"rwd_stolen"}',
    }

    assert translate.reward_of({"value": plain_choice}) == ""
    assert translate.reward_of({"value": translate.encode_denomination("books", 1000)}) == ""
    assert translate.reward_of(typed) == ""
    assert translate.picker_currency("vb_picker") is None


def test_reward_text_form_and_file_errors_are_said_in_the_persons_language() -> None:
    german = localizer("de-DE")
    with pytest.raises(InvalidReward) as no_people:
        parse_reward("25 USD Thanks")
    with pytest.raises(InvalidFile) as no_rows:
        parse_rows(b"email,amount,reason\n")
    with pytest.raises(InvalidFile) as no_columns:
        parse_rows(b"name,amount\nAda,25\n")

    assert words.error_text(no_people.value, german).startswith(
        "Beginnen Sie mit den Personen, denen Sie danken möchten."
    )
    assert (
        words.error_text(no_rows.value, german)
        == "Die Datei hat eine Kopfzeile, aber keine Zeilen."
    )
    assert "es fehlen: email (or user_id), reason" in words.error_text(no_columns.value, german)
    assert str(no_rows.value) == "The file has a header but no rows."  # English for the logs
    form = RewardForm((), "lots", "USD", "x", "", "", "")
    assert form_errors(form, german) == {
        "vb_rw_recipients": "Wählen Sie mindestens eine Kollegin oder einen Kollegen.",
        "vb_rw_amount": "„lots“ ist kein Betrag.",
    }
