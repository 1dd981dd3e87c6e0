"""Every card is valid Adaptive Card 1.5 schema, mobile-safe, small, and shows what the person
needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.teams.cards import (
    catalog_card,
    help_card,
    order_card,
    product_card,
    voucher_card,
    voucher_notice,
    wallet_card,
)
from core.catalog import Catalog, CatalogQuery, Product
from core.money import Money
from core.orders import OrderStatus
from core.views import CatalogPage, OrderSummary, ProductCard, VoucherDelivery, Wallet, WalletEntry
from tests.fake_connector import MAX_MESSAGE_BYTES, card_problems
from tests.teams.conftest import COFFEE, actions, button, card_text
from tests.unit.conftest import BOOKS, TEA

MOBILE_SAFE = {
    "AdaptiveCard",
    "TextBlock",
    "Image",
    "ColumnSet",
    "Column",
    "FactSet",
    "Container",
    "ActionSet",
    "Input.Text",
    "Input.Number",
    "Input.ChoiceSet",
    "Action.Submit",
    "Action.OpenUrl",
}

DELIVERY = VoucherDelivery(
    order_id="ord_000042",
    brand="Lantern Tea House",
    product_name="Lantern Tea e-voucher",
    image_url="https://images.example.com/lantern.png",
    amount=Money(4200, "EUR"),
    code="LTH-9Q4M-77XK-2PLA",
    pin="4321",
    redeem_url="https://lantern.example.com/redeem",
    instructions="Enter the code at checkout.",
    terms="Valid in Germany and France.",
    expires_on="2027-12-31",
)


def summary(status: OrderStatus, **changes: Any) -> OrderSummary:
    base: dict[str, Any] = {
        "order_id": "ord_000007",
        "brand": "Quiet Harbour Books",
        "product_name": "Quiet Harbour Books gift card",
        "image_url": "",
        "amount": Money(2500, "USD"),
        "status": status,
        "status_label": "Awaiting payment",
        "checkout_url": "https://vouchers.example.com/checkout/tok1",
    }
    return OrderSummary(**{**base, **changes})


def types_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["type"]} if isinstance(node.get("type"), str) else set()
        return own.union(*(types_in(v) for k, v in node.items() if k != "data"))
    if isinstance(node, list):
        return set().union(*(types_in(v) for v in node))
    return set()


def crowded_catalog() -> CatalogPage:
    long = "A very long description of a shop that sells many things. " * 40
    products = [
        Product(
            id=f"shop-{i}",
            brand=f"Harbour Shop {i} " + "x" * 60,
            name="Gift card " + "y" * 80,
            currency="EUR",
            description=long,
            image_url=f"https://images.example.com/{i}.png" + "z" * 200,
            countries=("DE", "FR", "IT", "ES", "NL", "BE", "AT"),
            denominations=tuple(range(500, 10500, 500)),
        )
        for i in range(20)
    ]
    return CatalogPage.of(Catalog(products).search(CatalogQuery(text="harbour", page=2)))


def all_cards() -> dict[str, dict[str, Any]]:
    wallet_entries = tuple(
        WalletEntry(
            f"ord_{i:06d}",
            "Lantern Tea House",
            "Lantern Tea e-voucher",
            Money(4200, "EUR"),
            "active",
            datetime(2026, 11, 26, tzinfo=UTC),
            "2027-12-31",
            f"LTH-{i:04d}-77XK",
            "4321",
            "https://lantern.example.com/redeem",
        )
        for i in range(30)
    )
    return {
        "catalog": catalog_card(crowded_catalog()),
        "empty catalog": catalog_card(
            CatalogPage.of(Catalog([BOOKS]).search(CatalogQuery(text="nothing")))
        ),
        "product with denominations": product_card(ProductCard.of(BOOKS), CatalogQuery()),
        "product with open range": product_card(
            ProductCard.of(TEA), CatalogQuery(), "Choose an amount from €5"
        ),
        "order awaiting payment": order_card(summary(OrderStatus.AWAITING_PAYMENT)),
        "order failed": order_card(
            summary(
                OrderStatus.FAILED,
                failure_reason="Your card was declined.",
                checkout_url=None,
                status_label="Payment failed",
            )
        ),
        "voucher": voucher_card(DELIVERY),
        "wallet": wallet_card(Wallet(wallet_entries, (summary(OrderStatus.AWAITING_PAYMENT),))),
        "empty wallet": wallet_card(Wallet((), ())),
        "help": help_card("I don't know “file”."),
    }


@pytest.mark.parametrize(("name", "card"), all_cards().items())
def test_every_card_is_valid_small_and_uses_only_what_mobile_renders(
    name: str, card: dict[str, Any]
) -> None:
    assert card_problems(card) == []
    assert card["version"] == "1.2"
    assert types_in(card) <= MOBILE_SAFE, types_in(card) - MOBILE_SAFE
    assert len(json.dumps(card).encode()) < MAX_MESSAGE_BYTES // 2


def test_the_catalog_shows_image_brand_name_denominations_and_a_choose_button_per_product() -> None:
    page = CatalogPage.of(Catalog([BOOKS, TEA, COFFEE]).search(CatalogQuery(per_page=2)))

    card = catalog_card(page)

    text = card_text(card)
    assert (
        "Copper Kettle Coffee" in text
        and "Copper Kettle coffee card" in text
        and "$5 · $15" in text
    )
    assert "page 1 of 2" in text and "vouchers coffee" in text
    image = card["body"][2]["items"][0]["columns"][0]["items"][0]
    assert image == {
        "type": "Image",
        "url": COFFEE.image_url,
        "size": "Small",
        "altText": "Copper Kettle Coffee",
    }
    assert button(card, "Choose", product=COFFEE.id)["type"] == "Action.Submit"
    assert button(card, "Next ▶")["data"]["page"] == 2
    assert [a["title"] for a in actions(card)].count("◀ Previous") == 0


def test_an_open_range_product_asks_for_an_amount_within_its_limits() -> None:
    card = product_card(
        ProductCard.of(TEA), CatalogQuery(text="tea"), "Choose an amount from €5 to €200"
    )

    (amount,) = [e for e in card["body"] if e.get("id") == "amount"]
    assert amount == {
        "type": "Input.Number",
        "id": "amount",
        "min": 5,
        "max": 200,
        "placeholder": "5.00 to 200.00",
    }
    assert "Choose an amount from €5 to €200" in card_text(card)
    assert button(card, "Back to catalog")["data"] == {"cmd": "browse", "q": "tea", "page": 1}


def test_a_denominated_product_offers_its_denominations() -> None:
    card = product_card(ProductCard.of(BOOKS), CatalogQuery())

    (amount,) = [e for e in card["body"] if e.get("id") == "amount"]
    assert [(c["title"], c["value"]) for c in amount["choices"]] == [
        ("$10", "10.00"),
        ("$25", "25.00"),
        ("$50", "50.00"),
    ]


def test_an_unpaid_order_opens_the_checkout_as_a_dialog_and_in_the_browser() -> None:
    card = order_card(summary(OrderStatus.AWAITING_PAYMENT))

    pay = button(card, "Pay $25")
    assert pay["type"] == "Action.Submit"
    assert pay["data"] == {"cmd": "pay", "order": "ord_000007", "msteams": {"type": "task/fetch"}}
    assert button(card, "Open in browser") == {
        "type": "Action.OpenUrl",
        "title": "Open in browser",
        "url": "https://vouchers.example.com/checkout/tok1",
    }
    assert "$25" in card_text(card) and "Awaiting payment" in card_text(card)


def test_a_failed_payment_says_why_and_offers_a_retry_but_no_payment() -> None:
    card = order_card(
        summary(OrderStatus.FAILED, failure_reason="Your card was declined.", checkout_url=None)
    )

    assert "Your card was declined. No money was taken." in card_text(card)
    assert [a["title"] for a in actions(card)] == ["Try again, pay $25"]


def test_the_voucher_card_shows_everything_needed_to_redeem_it() -> None:
    card = voucher_card(DELIVERY)

    text = card_text(card)
    for expected in (
        "Lantern Tea House",
        "Lantern Tea e-voucher",
        "€42",
        "LTH-9Q4M-77XK-2PLA",
        "4321",
        "Enter the code at checkout.",
        "Dec 31, 2027",
        "ord_000042",
        "Valid in Germany and France.",
    ):
        assert expected in text
    assert button(card, "Redeem")["url"] == "https://lantern.example.com/redeem"


def test_the_channel_notice_never_contains_the_code() -> None:
    notice = voucher_notice(DELIVERY)

    assert "ord_000042" in notice and "personal chat" in notice
    assert DELIVERY.code not in notice and "4321" not in notice


def test_the_wallet_lists_codes_and_orders_in_progress() -> None:
    entry = WalletEntry(
        "ord_000042",
        "Lantern Tea House",
        "Lantern Tea e-voucher",
        Money(4200, "EUR"),
        "active",
        datetime(2026, 11, 26, tzinfo=UTC),
        "2027-12-31",
        "LTH-9Q4M-77XK-2PLA",
        "4321",
        None,
    )
    card = wallet_card(Wallet((entry,), (summary(OrderStatus.AWAITING_PAYMENT),)))

    text = card_text(card)
    assert "LTH-9Q4M-77XK-2PLA" in text and "PIN\n4321" in text and "Dec 31, 2027" in text
    assert "Orders in progress" in text and "ord_000007" in text


def test_no_teams_card_or_text_carries_markdown_backticks_teams_would_show_literally() -> None:
    from adapters.teams import bulk, reward_translate

    rendered = json.dumps(all_cards(), ensure_ascii=False)
    assert "`" not in rendered
    assert "`" not in str(bulk.COLUMNS_HINT) and "`" not in str(reward_translate.USAGE)
