"""Gift messages render within each platform's rules, and none shown to the buyer carries a code."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from adapters.i18n import localizer
from adapters.slack import gift_blocks
from adapters.slack.gift_form import gift_modal
from adapters.teams.gift_cards import gift_card, gift_form_card, receipt_card
from core.catalog import ExpiryPolicy, Product
from core.money import Money
from core.views import GiftDelivery, GiftReceipt, ProductCard, VoucherDelivery, Wallet, WalletEntry
from tests.fake_connector import card_problems
from tests.fake_slack import message_problems, view_problems

CODE = "QHB-7K3M-9Q2X-H4"
BOOKS = Product(
    id="quiet-harbour-books", brand="Quiet Harbour Books", name="Quiet Harbour Books gift card",
    currency="GBP", countries=("GB",), denominations=(1000, 2000, 5000), expiry=ExpiryPolicy(days_after_issue=730),
)  # fmt: skip
DELIVERY = GiftDelivery(
    "gft_1",
    "Ada Lovelace",
    "Happy birthday, Grace!",
    VoucherDelivery("ord_1", "Quiet Harbour Books", "Gift card", "https://x/b.png", Money(2000, "GBP"),
                    CODE, None, None, "Show the code at the till.", "", date(2028, 12, 6).isoformat()),
)  # fmt: skip
RECEIPTS = {
    "now": GiftReceipt("gft_1", "ord_1", "Grace Hopper", "Quiet Harbour Books", "Gift card",
                       Money(2000, "GBP"), Money(2000, "GBP"), None, "pending"),
    "scheduled": GiftReceipt("gft_2", "ord_2", "Grace Hopper", "Quiet Harbour Books", "Gift card",
                             Money(2000, "GBP"), Money(2000, "GBP"), datetime(2026, 12, 24, 9, tzinfo=UTC), "pending"),
    "undeliverable": GiftReceipt("gft_3", "ord_3", "Lin Wei", "Quiet Harbour Books", "Gift card",
                                 Money(2000, "GBP"), Money(2000, "GBP"), None, "pending",
                                 problem="403 BotNotInConversationRoster"),
}  # fmt: skip


def test_the_recipients_slack_message_shows_the_code_and_note_but_its_preview_does_not() -> None:
    message = gift_blocks.gift_message(DELIVERY)

    assert message_problems({"text": message.text, "blocks": message.blocks}) == []
    assert CODE in json.dumps(message.blocks) and "Happy birthday, Grace!" in json.dumps(
        message.blocks
    )
    assert CODE not in message.text


@pytest.mark.parametrize("kind", sorted(RECEIPTS))
def test_each_receipt_is_valid_in_slack_and_teams(kind: str) -> None:
    receipt = RECEIPTS[kind]
    message = gift_blocks.receipt_message(receipt)
    card = receipt_card(receipt)

    assert message_problems({"text": message.text, "blocks": message.blocks}) == []
    assert card_problems(card) == []
    assert ("couldn't deliver" in json.dumps(message.blocks)) == bool(receipt.problem)
    assert ("Cancel and refund" in json.dumps(card)) == receipt.can_cancel


def test_the_gift_card_and_the_forms_are_valid() -> None:
    product = ProductCard.of(BOOKS)

    assert card_problems(gift_card(DELIVERY)) == []
    assert card_problems(gift_form_card(product, "20")) == []
    modal = gift_modal(product, "https://hooks.slack.com/actions/T/1/x")
    assert view_problems(modal) == []


def test_a_wallet_with_gifts_in_slack_shows_its_footer_once_and_the_gifts_after_it() -> None:
    entry = WalletEntry("ord_9", "Quiet Harbour Books", "Gift card", Money(2000, "GBP"), "active",
                        datetime(2026, 11, 26, tzinfo=UTC), "2028-11-26", CODE, None, None)  # fmt: skip
    plain = gift_blocks.wallet_message(Wallet((entry,), ()))
    message = gift_blocks.wallet_with_gifts(Wallet((entry,), (), (), (RECEIPTS["scheduled"],)))

    assert message.blocks[: len(plain.blocks)] == plain.blocks
    assert message.blocks[len(plain.blocks)]["type"] == "header"
    assert message_problems({"text": message.text, "blocks": message.blocks}) == []


def test_gift_texts_are_in_the_readers_language_with_their_amounts_and_dates() -> None:
    german = localizer("de-DE")
    receipt = gift_blocks.receipt_message(RECEIPTS["scheduled"], german)
    card = json.dumps(receipt_card(RECEIPTS["scheduled"], german), ensure_ascii=False)

    assert (
        receipt.text == "Beleg: Ihr Geschenk an Grace Hopper (20\u00a0£)"
    )  # CLDR de: no cents when none
    assert "24.12.2026, 09:00 UTC" in json.dumps(receipt.blocks, ensure_ascii=False)
    assert "Geplant für 24.12.2026, 09:00 UTC" in card and "Stornieren und erstatten" in card
    assert gift_blocks.gift_message(DELIVERY, german).text.startswith(
        "Ada Lovelace hat Ihnen einen Gutschein"
    )
