"""Block Kit rendering: snapshots of each view, and Slack's limits under hostile sizes and text."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import blocks
from core.catalog import Catalog, CatalogQuery, Product
from core.money import Money
from core.orders import OrderStatus
from core.views import (
    STATUS_LABELS,
    CatalogPage,
    OrderSummary,
    ProductCard,
    VoucherDelivery,
    Wallet,
    WalletEntry,
)
from tests.fake_slack import message_problems, option_problems, view_problems
from tests.slack.conftest import BOOKS, SAMPLE, TEA, big_catalog

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_matches_snapshot(name: str, data: Any) -> None:
    """Compare with tests/slack/snapshots/<name>.json; UPDATE_SNAPSHOTS=1 rewrites it for review."""
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), (
        f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review the file"
    )
    assert rendered == path.read_text(encoding="utf-8")


def as_message(message: blocks.Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks}


def summary(status: OrderStatus, failure: str = "", url: str | None = None) -> OrderSummary:
    return OrderSummary(
        "ord_QH7K3M9Q2XH4",
        BOOKS.brand,
        BOOKS.name,
        BOOKS.image_url,
        Money(2500, "USD"),
        status,
        STATUS_LABELS[status],
        url,
        failure,
    )


def delivery(pin: str | None = "4321", code: str = "QHB-0001-7K3M") -> VoucherDelivery:
    return VoucherDelivery(
        "ord_QH7K3M9Q2XH4",
        BOOKS.brand,
        BOOKS.name,
        BOOKS.image_url,
        Money(2500, "USD"),
        code,
        pin,
        BOOKS.redeem_url,
        BOOKS.instructions,
        "Valid in all branches.",
        "2027-11-26",
    )


def entry(n: int) -> WalletEntry:
    return WalletEntry(
        f"ord_{n:012d}",
        TEA.brand,
        TEA.name,
        Money(500 + n, "EUR"),
        "active",
        datetime(2026, 11, 26, tzinfo=UTC),
        "2027-12-31",
        f"LTH-{n:04d}-PQRS",
        "9876",
        None,
    )


CATALOG = Catalog(SAMPLE)
FIRST_PAGE = CatalogPage.of(CATALOG.search(CatalogQuery()))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("catalog", blocks.catalog_message(FIRST_PAGE)),
        (
            "catalog_empty",
            blocks.catalog_message(CatalogPage.of(CATALOG.search(CatalogQuery(text="zeppelin")))),
        ),
        (
            "product_denominations",
            blocks.product_message(ProductCard.of(BOOKS), CatalogQuery(text="books")),
        ),
        (
            "product_open_value_error",
            blocks.product_message(ProductCard.of(TEA), error="Choose an amount from €5."),
        ),
        (
            "order_awaiting_payment",
            blocks.order_message(
                summary(
                    OrderStatus.AWAITING_PAYMENT, url="https://vouchers.example.com/checkout/tok42"
                )
            ),
        ),
        (
            "order_failed",
            blocks.order_message(summary(OrderStatus.FAILED, "Your card was declined.")),
        ),
        ("order_ready", blocks.order_message(summary(OrderStatus.ISSUED))),
        ("voucher", blocks.voucher_message(delivery())),
        (
            "wallet",
            blocks.wallet_message(
                Wallet(
                    (entry(1),),
                    (summary(OrderStatus.AWAITING_PAYMENT, url="https://v.example/c/t"),),
                )
            ),
        ),
        ("help", blocks.help_message()),
    ],
)
def test_each_message_matches_its_snapshot_and_slack_accepts_it(
    name: str, message: blocks.Message
) -> None:
    assert message_problems(as_message(message)) == []
    assert_matches_snapshot(name, as_message(message))


def test_the_home_view_matches_its_snapshot_and_slack_accepts_it() -> None:
    view = blocks.home_view(Wallet((entry(2), entry(1)), ()))

    assert view_problems(view) == []
    assert_matches_snapshot("home", view)


def test_rendering_is_deterministic() -> None:
    first = blocks.catalog_message(FIRST_PAGE)

    assert blocks.catalog_message(CatalogPage.of(CATALOG.search(CatalogQuery()))) == first


def test_a_page_of_many_cards_stays_within_fifty_blocks() -> None:
    page = CatalogPage.of(Catalog(big_catalog(200)).search(CatalogQuery(per_page=100)))

    message = blocks.catalog_message(page)

    assert len(message.blocks) <= 50
    assert message_problems(as_message(message)) == []


def test_product_options_for_the_typeahead_stay_within_slack_limits() -> None:
    page = CatalogPage.of(Catalog(big_catalog(300)).search(CatalogQuery(per_page=300)))

    options = blocks.product_options(page)

    assert len(options) == 100 and option_problems(options) == []


def test_a_product_with_many_denominations_gets_a_select_of_at_most_a_hundred() -> None:
    many = Product(
        id="many",
        brand="Amber Lane Cinema",
        name="Cinema card",
        currency="GBP",
        denominations=tuple(range(100, 15100, 100)),
    )

    message = blocks.product_message(ProductCard.of(many))

    select = next(e for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    assert select["type"] == "static_select" and len(select["options"]) == 100
    assert message_problems(as_message(message)) == []


def test_six_denominations_are_buttons_in_rows_of_five() -> None:
    six = Product(
        id="six",
        brand="Ember Pizza",
        name="Pizza card",
        currency="USD",
        denominations=(500, 1000, 1500, 2000, 2500, 3000),
    )

    rows = [
        b
        for b in blocks.product_message(ProductCard.of(six)).blocks
        if b.get("block_id", "").startswith("vb_amounts")
    ]

    assert [len(r["elements"]) for r in rows] == [5, 1]


def test_very_long_and_hostile_text_is_clipped_and_escaped() -> None:
    hostile = Product(
        id="x" * 140,
        brand="<!channel> & " + "B" * 400,
        name="N" * 5000,
        currency="USD",
        description="<https://evil.example|click> " * 200,
        image_url="javascript:alert(1)",
        denominations=(1000,),
    )
    page = CatalogPage.of(Catalog([hostile]).search(CatalogQuery()))

    for message in (blocks.catalog_message(page), blocks.product_message(ProductCard.of(hostile))):
        assert message_problems(as_message(message)) == []
        rendered = json.dumps(message.blocks)
        assert "<!channel>" not in rendered and "&lt;!channel&gt; &amp;" in rendered
        assert "javascript:" not in rendered


def test_a_voucher_code_never_appears_in_the_notification_text() -> None:
    message = blocks.voucher_message(delivery(code="SECRET-CODE-1234"))

    assert "SECRET-CODE-1234" not in message.text
    assert "`SECRET-CODE-1234`" in json.dumps(message.blocks)


def test_a_voucher_without_pin_shows_no_pin_block() -> None:
    texts = [
        b.get("text", {}).get("text", "") for b in blocks.voucher_message(delivery(pin=None)).blocks
    ]

    assert any(t.startswith("*Code*\n```") for t in texts)
    assert not any(t.startswith("*PIN*") for t in texts)


def test_the_code_and_pin_each_have_a_full_width_block_with_nothing_beside_them() -> None:
    message = blocks.voucher_message(delivery(code="QHB-0001-7K3M", pin="4321"))
    code_blocks = [b for b in message.blocks if "```" in b.get("text", {}).get("text", "")]

    assert [b["text"]["text"] for b in code_blocks] == [
        "*Code*\n```QHB-0001-7K3M```",
        "*PIN*\n```4321```",
    ]
    assert all("accessory" not in b and "fields" not in b for b in code_blocks)


def test_the_home_tab_masks_codes_behind_reveal_while_the_private_wallet_shows_them() -> None:
    wallet = Wallet((entry(1),), ())
    home = json.dumps(blocks.home_view(wallet), ensure_ascii=False)
    mine = json.dumps(blocks.wallet_message(wallet).blocks)

    assert entry(1).code not in home and (entry(1).pin or "????") not in home
    assert '"vb_reveal:0"' in home and "••••" in home
    assert entry(1).code in mine


def test_reveal_opens_a_modal_with_the_code_slack_accepts() -> None:
    modal = blocks.revealed_view(entry(1))

    assert entry(1).code in json.dumps(modal)
    assert view_problems(modal) == []


def test_a_long_wallet_is_cut_to_fit_a_message_and_the_home_tab() -> None:
    wallet = Wallet(tuple(entry(n) for n in range(200)), ())

    message = blocks.wallet_message(wallet)
    home = blocks.home_view(wallet)

    assert len(message.blocks) <= 50 and len(home["blocks"]) <= 100
    assert message_problems(as_message(message)) == [] and view_problems(home) == []
    assert "more." in json.dumps(message.blocks[-2])
