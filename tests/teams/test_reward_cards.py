"""Reward cards are valid, mobile-safe and small, and say who, why, how much, until when, and what
next."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.i18n import localizer, words
from adapters.i18n.phrases import later
from adapters.teams.bulk import BadRow, BulkReport
from adapters.teams.cards import catalog_card, order_card, product_card, wallet_card
from adapters.teams.people import NOT_FOUND, Unreachable
from adapters.teams.reward_cards import (
    bulk_hint_card,
    bulk_report_card,
    confirmation_card,
    notice_card,
    reward_form_card,
    sent_card,
    undeliverable_card,
)
from adapters.teams.reward_translate import USAGE, RewardForm
from core.catalog import Catalog, CatalogQuery
from core.money import Money
from core.orders import OrderStatus
from core.rewards import Programme
from core.views import (
    CatalogPage,
    ProductCard,
    RewardNotice,
    RewardPreview,
    RewardSummary,
    RewardUndeliverable,
    SendReport,
    Wallet,
)
from tests.fake_connector import MAX_MESSAGE_BYTES, card_problems
from tests.teams.conftest import COFFEE, actions, button, card_text
from tests.teams.test_cards import MOBILE_SAFE, summary, types_in
from tests.unit.conftest import BOOKS

REWARD = RewardSummary(
    reward_id="rwd_000042",
    giver_name="Hana from HR",
    recipient_name="Ada Lovelace",
    amount=Money(2500, "USD"),
    available=Money(2500, "USD"),
    reason="Five years of quiet excellence",
    status="sent",
    expires_on="2027-02-24",
    programme_name="Kudos",
)
PREVIEW = RewardPreview(
    recipients=("Ada Lovelace", "Grace Hopper"),
    amount=Money(2500, "USD"),
    total=Money(5000, "USD"),
    budget_available=Money(10000, "USD"),
    budget_after=Money(5000, "USD"),
    programme_name="Kudos",
)
KEY = "teams-reward:abc"
REASON = "Five years of quiet excellence"
FIFTY = PREVIEW.__class__(
    **{**PREVIEW.__dict__, "recipients": tuple(f"Colleague number {i}" for i in range(50))}
)


def all_cards() -> dict[str, dict[str, Any]]:
    page = CatalogPage.of(Catalog([BOOKS, COFFEE]).search(CatalogQuery(currency="USD")))
    report = BulkReport(
        "everyone.csv",
        sent=[REWARD] * 900,
        already_sent=3,
        refused=[
            BadRow(n, "someone@harbour.example", "no Teams user has the email " * 3)
            for n in range(400)
        ],
        budget_left=[Money(100, "USD")],
    )
    return {
        "confirmation for 50": confirmation_card(
            FIFTY, REASON, KEY, [("Sam", "I couldn't look them up")] * 5
        ),
        "confirmation refused": confirmation_card(
            PREVIEW.__class__(**{**PREVIEW.__dict__, "problems": ("No",)}), REASON, KEY
        ),
        "sent": sent_card(
            SendReport((REWARD,) * 50, (), Money(100, "USD")), Money(2500, "USD"), "Thanks"
        ),
        "notice": notice_card(RewardNotice(REWARD)),
        "reminder": notice_card(RewardNotice(REWARD, reminder=True)),
        "undeliverable": undeliverable_card(
            RewardUndeliverable(REWARD, "Bot Connector answered 403")
        ),
        "bulk report": bulk_report_card(report),
        "catalog with a reward": catalog_card(page, REWARD),
        "product with a reward": product_card(
            ProductCard.of(BOOKS), CatalogQuery(), reward_id=REWARD.reward_id
        ),
        "order topped up by card": order_card(
            summary(OrderStatus.AWAITING_PAYMENT, paid_by_reward=Money(1000, "USD"))
        ),
        "wallet with rewards": wallet_card(Wallet((), (), (REWARD,) * 20)),
    }


@pytest.mark.parametrize(("name", "card"), all_cards().items())
def test_every_reward_card_is_valid_small_and_uses_only_what_mobile_renders(
    name: str, card: dict[str, Any]
) -> None:
    assert card_problems(card) == []
    assert card["version"] == "1.2"
    assert types_in(card) <= MOBILE_SAFE, types_in(card) - MOBILE_SAFE
    assert len(json.dumps(card).encode()) < MAX_MESSAGE_BYTES // 2


def test_the_form_is_valid_with_its_people_picker_and_offers_emails_for_mobile() -> None:
    card = reward_form_card(
        [Programme("kudos", "Kudos", "USD"), Programme("merci", "Merci", "EUR")]
    )

    assert card_problems(card) == []
    ids = [e.get("id") for e in card["body"] if "id" in e]
    assert ids == ["people", "emails", "programme", "amount", "reason"]
    (programme,) = [e for e in card["body"] if e.get("id") == "programme"]
    assert programme["value"] == "kudos"
    assert [c["title"] for c in programme["choices"]] == ["Kudos (USD)", "Merci (EUR)"]


def test_a_people_picker_with_a_wrong_query_is_refused_by_the_fake() -> None:
    card = reward_form_card([Programme("kudos", "Kudos", "USD")])
    (picker,) = [e for e in card["body"] if e.get("id") == "people"]
    picker["choices.data"] = {"type": "Data.Query"}

    assert card_problems(card) == ["choices.data: 'dataset' is a required property"]


def test_the_form_keeps_what_was_typed_when_it_comes_back_with_an_error() -> None:
    form = RewardForm((), ("ada@harbour.example",), "merci", "twenty", "Launch")
    card = reward_form_card(
        [Programme("kudos", "Kudos", "USD"), Programme("merci", "Merci", "EUR")], form, "Oops."
    )

    values = {e["id"]: e.get("value") for e in card["body"] if "id" in e}
    assert values == {
        "people": None,
        "emails": "ada@harbour.example",
        "programme": "merci",
        "amount": "twenty",
        "reason": "Launch",
    }
    assert "Oops." in card_text(card)


def test_the_confirmation_buttons_carry_only_the_key_of_what_waits_in_the_core() -> None:
    card = confirmation_card(PREVIEW, REASON, KEY)

    assert button(card, "Send $50")["data"] == {"cmd": "reward-send", "key": KEY}
    assert button(card, "Cancel")["data"] == {"cmd": "reward-cancel", "key": KEY}
    assert "“Five years of quiet excellence”" in card_text(card)


def test_the_reward_card_says_who_why_how_much_and_until_when() -> None:
    card = notice_card(RewardNotice(REWARD))

    text = card_text(card)
    for expected in (
        "You've been thanked!",
        "Hana from HR sent you a reward of $25.",
        "“Five years of quiet excellence”",
        "$25",
        "Feb 24, 2027",
        "Kudos",
    ):
        assert expected in text
    assert [a["title"] for a in actions(card)] == ["Choose your voucher"]


def test_a_reminder_shows_what_is_left_and_the_date() -> None:
    partly_spent = RewardSummary(
        **{**REWARD.__dict__, "available": Money(500, "USD"), "status": "opened"}
    )

    card = notice_card(RewardNotice(partly_spent, reminder=True))

    text = card_text(card)
    assert (
        "Your reward expires soon" in text
        and "You still have $5 to spend from Hana from HR's reward" in text
    )
    assert "until Feb 24, 2027" in text and "Amount\n$5" in text


def test_the_wallet_lists_only_rewards_that_can_still_be_spent() -> None:
    used = RewardSummary(
        **{
            **REWARD.__dict__,
            "reward_id": "rwd_used",
            "available": Money(0, "USD"),
            "status": "redeemed",
        }
    )

    card = wallet_card(Wallet((), (), (REWARD, used)))

    assert [a["data"]["reward"] for a in actions(card) if a["title"] == "Choose your voucher"] == [
        "rwd_000042"
    ]
    assert "You have no vouchers yet" not in card_text(card)


def test_an_order_paid_partly_by_a_reward_shows_the_split_and_pays_the_rest() -> None:
    card = order_card(summary(OrderStatus.AWAITING_PAYMENT, paid_by_reward=Money(1000, "USD")))

    assert "$10 from your reward, $15 by card" in card_text(card)
    assert button(card, "Pay $15")["data"]["order"] == "ord_000007"


def test_every_catalog_and_product_button_carries_the_reward_being_spent() -> None:
    page = CatalogPage.of(Catalog([BOOKS, COFFEE]).search(CatalogQuery(currency="USD", per_page=1)))

    catalog = catalog_card(page, REWARD)
    product = product_card(
        ProductCard.of(BOOKS), CatalogQuery(currency="USD"), reward_id=REWARD.reward_id
    )

    for card in (catalog, product):
        assert {a["data"].get("reward") for a in actions(card)} == {"rwd_000042"}
    assert "Your reward: $25 left, until Feb 24, 2027" in card_text(catalog)


def test_a_german_giver_reads_the_bulk_report_undeliverable_card_and_dialog_in_german() -> None:
    de = localizer("de-DE")
    report = BulkReport(
        "team.csv",
        sent=[REWARD] * 1200,
        refused=[BadRow(7, "lin@harbour.example", later("no amount"))],
        budget_left=[Money(123456, "USD")],
    )
    bulk = card_text(bulk_report_card(report, de))
    told = card_text(
        undeliverable_card(RewardUndeliverable(REWARD, "Bot Connector answered 403"), de)
    )
    form = card_text(reward_form_card([Programme("kudos", "Kudos", "USD")], loc=de))
    hint = card_text(bulk_hint_card(later("Save the file as CSV (UTF-8) and send it again."), de))

    assert "Belohnungen aus team.csv" in bulk and "1.200 (30.000\u00a0US$)" in bulk
    assert "Zeile 7 (lin@harbour.example): kein Betrag" in bulk and "1.234,56\u00a0US$" in bulk
    assert "Ich konnte Ada Lovelace nicht erreichen" in told and "24.02.2027" in told
    assert "Teams-Admin" in told and "Teams meldete: Bot Connector answered 403" in told
    assert "Betrag pro Person" in form and "Prüfen" in form
    assert "Speichern Sie die Datei als CSV" in hint and "Spalten “email” oder “user_id”" in hint
    for english in ("Rewards from", "Row 7", "I couldn't reach", "Amount for each", "columns"):
        assert english not in bulk + told + form + hint


def test_a_refusal_raised_before_the_locale_is_known_is_said_in_german_reason_and_all() -> None:
    de = localizer("de-DE")
    unreachable = Unreachable(later("{who}: {why}.", who="Sam", why=NOT_FOUND))

    assert words.error_text(unreachable, de).startswith("Sam: Ich konnte die Person hier nicht")
    assert str(unreachable).startswith("Sam: I couldn't look them up here")
    assert USAGE.said(de).startswith("Geben Sie “reward @name")
