"""Every Slack message and Teams card rendered at phone (390 px) and desktop (1280 px) width in two
locales, saved under test-output/screenshots/, and refused when it overflows sideways or breaks a
code across lines.

Teams cards go through Microsoft's own Adaptive Cards renderer (vendored, see vendor/PROVENANCE.md);
Block Kit goes through tests/screenshots/blockkit.py, a small renderer of the layout rules Slack's
clients follow.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.i18n import Localizer, localizer
from adapters.slack import approval_blocks, blocks, gift_blocks, gift_form, reward_blocks
from adapters.teams import approval_cards, cards, gift_cards, reward_cards
from adapters.teams.gift_translate import Author
from core.catalog import Catalog, CatalogQuery
from core.money import Money
from core.orders import OrderStatus
from core.views import (
    STATUS_LABELS,
    ApprovalView,
    CatalogPage,
    GiftDelivery,
    GiftReceipt,
    OrderSummary,
    ProductCard,
    RewardNotice,
    RewardPreview,
    RewardSummary,
    RewardUndeliverable,
    SendReport,
    ShoutOut,
    VoucherDelivery,
    Wallet,
    WalletEntry,
)
from tests.screenshots import blockkit
from tests.stripe.test_checkout_browser import CHROMIUM, CHROMIUM_ARGS
from tests.unit.conftest import BOOKS, TEA

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
RENDERER = Path(__file__).parent / "vendor" / "adaptivecards-2.11.3.min.js"
WIDTHS = (390, 1280)
LOCALES = ("en-US", "de-DE")
CODE = "LTH-9Q4M-77XK-2PLA"
PIN = "482913"
CATALOG = Catalog([BOOKS, TEA])
SORTED = Catalog([replace(BOOKS, categories=("books",)), replace(TEA, categories=("tea", "food"))])
APPROVAL = ApprovalView(
    "apr_000001",
    "Hana from HR",
    ("Ada Lovelace", "Grace Hopper", "Lin Wei"),
    Money(25_000_00, "INR"),
    Money(75_000_00, "INR"),
    "Five years of quiet excellence",
    "Kudos",
    Money(925_000_00, "INR"),
    "pending",
    "2026-12-08T09:00:00+00:00",
)
REJECTED = replace(APPROVAL, status="rejected", decided_by="slack:U0BOSS", note="Over budget")
SHOUT = ShoutOut("Lin Wei", "Ada Lovelace", "Covered my on-call shift")

REWARD = RewardSummary(
    "rwd_000042",
    "Hana from HR",
    "Ada Lovelace",
    Money(2_500_00, "INR"),
    Money(2_000_00, "INR"),
    "Five years of quiet excellence",
    "sent",
    "2027-02-24",
    "Kudos",
)
DELIVERY = VoucherDelivery(
    "ord_000042",
    TEA.brand,
    TEA.name,
    "",
    Money(4200, "EUR"),
    CODE,
    PIN,
    "https://lantern.example.com/redeem",
    "Enter the code at checkout.",
    "Valid in Germany and France.",
    "2027-12-31",
)
ENTRY = WalletEntry(
    "ord_000042",
    TEA.brand,
    TEA.name,
    Money(4200, "EUR"),
    "active",
    datetime(2026, 11, 26, tzinfo=UTC),
    "2027-12-31",
    CODE,
    PIN,
    "https://lantern.example.com/redeem",
)
PREVIEW = RewardPreview(
    ("Ada Lovelace", "Grace Hopper", "Lin Wei"),
    Money(25_000_00, "INR"),
    Money(75_000_00, "INR"),
    Money(1_000_000_00, "INR"),
    Money(925_000_00, "INR"),
    "Kudos",
)
RATE_NOTE = "Your ₹2,000 buys up to €21.64 at 1 EUR = 92.40 INR (ecb, 2026-11-25)"
GIFT = GiftDelivery("gft_000042", "Hana from HR", "Happy fifth anniversary!", DELIVERY)
RECEIPT = GiftReceipt(
    "gft_000042",
    "ord_000042",
    "Ada Lovelace",
    TEA.brand,
    TEA.name,
    Money(4200, "EUR"),
    Money(4200, "EUR"),
    datetime(2026, 12, 24, 9, tzinfo=UTC),
    "pending",
)


def summary(status: OrderStatus, reason: str = "", reward: Money | None = None) -> OrderSummary:
    url = (
        "https://vouchers.example.com/checkout/tok1"
        if status is OrderStatus.AWAITING_PAYMENT
        else None
    )
    return OrderSummary(
        "ord_000007",
        BOOKS.brand,
        BOOKS.name,
        "",
        Money(2_000_000, "USD"),
        status,
        STATUS_LABELS[status],
        url,
        reason,
        reward,
    )


def page(query: CatalogQuery, catalog: Catalog = CATALOG) -> CatalogPage:
    return CatalogPage.of(
        catalog.search(query), catalog.currencies, catalog.countries, catalog.categories
    )


Render = Callable[[Localizer], Any]

SLACK: dict[str, Render] = {
    "catalog_categories": lambda loc: (
        blocks.catalog_message(page(CatalogQuery(category="tea"), SORTED), loc=loc).blocks
    ),
    "catalog_unknown_category": lambda loc: (
        blocks.catalog_message(page(CatalogQuery(category="crypto"), SORTED), loc=loc).blocks
    ),
    "approval_request": lambda loc: approval_blocks.approval_request_message(APPROVAL, loc).blocks,
    "approval_outcome": lambda loc: approval_blocks.approval_outcome_message(REJECTED, loc).blocks,
    "approval_decided": lambda loc: approval_blocks.approval_decided_message(REJECTED, loc).blocks,
    "approval_pending": lambda loc: approval_blocks.pending_message(APPROVAL, loc).blocks,
    "shout_out": lambda loc: approval_blocks.shout_out_message(SHOUT, loc).blocks,
    "catalog": lambda loc: blocks.catalog_message(page(CatalogQuery(country="DE")), loc=loc).blocks,
    "catalog_unknown_currency": lambda loc: (
        blocks.catalog_message(page(CatalogQuery(currency="XYZ")), loc=loc).blocks
    ),
    "product_open": lambda loc: blocks.product_message(ProductCard.of(TEA), loc=loc).blocks,
    "product_refused": lambda loc: (
        blocks.product_message(
            ProductCard.of(TEA),
            error="€250 is above the maximum of €200 (minimum €5).",
            loc=loc,
            typed="250",
        ).blocks
    ),
    "product_denominations": lambda loc: (
        blocks.product_message(ProductCard.of(BOOKS), loc=loc).blocks
    ),
    "order_awaiting": lambda loc: (
        blocks.order_message(summary(OrderStatus.AWAITING_PAYMENT), loc).blocks
    ),
    "order_declined": lambda loc: (
        blocks.order_message(summary(OrderStatus.FAILED, "Your card was declined."), loc).blocks
    ),
    "order_ready": lambda loc: blocks.order_message(summary(OrderStatus.DELIVERED), loc).blocks,
    "voucher": lambda loc: blocks.voucher_message(DELIVERY, loc).blocks,
    "wallet": lambda loc: (
        blocks.wallet_message(
            Wallet((ENTRY,), (summary(OrderStatus.AWAITING_PAYMENT),), (REWARD,)), loc
        ).blocks
    ),
    "home": lambda loc: blocks.home_view(Wallet((ENTRY,), (), (REWARD,)), loc)["blocks"],
    "reveal": lambda loc: blocks.revealed_view(ENTRY, loc)["blocks"],
    "help": lambda loc: blocks.help_message(loc).blocks,
    "reward_notice": lambda loc: (
        reward_blocks.reward_notice_message(RewardNotice(REWARD), loc).blocks
    ),
    "reward_reminder": lambda loc: (
        reward_blocks.reward_notice_message(RewardNotice(REWARD, reminder=True), loc).blocks
    ),
    "reward_undeliverable": lambda loc: (
        reward_blocks.undeliverable_message(
            RewardUndeliverable(REWARD, "user_not_found"), loc
        ).blocks
    ),
    "reward_confirmation": lambda loc: (
        reward_blocks.confirmation_message(PREVIEW, "Thanks", "c1", loc=loc).blocks
    ),
    "catalog_reward_abroad": lambda loc: (
        blocks.catalog_message(
            page(CatalogQuery(currency="EUR", covers=2000)), REWARD, loc, RATE_NOTE
        ).blocks
    ),
    "product_card_top_up": lambda loc: (
        blocks.product_message(
            ProductCard.of(BOOKS), CatalogQuery(covers=2500), reward_id="rwd_000042", loc=loc
        ).blocks
    ),
    "gift": lambda loc: gift_blocks.gift_message(GIFT, loc).blocks,
    "gift_receipt": lambda loc: gift_blocks.receipt_message(RECEIPT, loc).blocks,
    "wallet_with_gifts": lambda loc: (
        gift_blocks.wallet_with_gifts(Wallet((ENTRY,), (), (), (RECEIPT,)), loc).blocks
    ),
    "gift_form": lambda loc: gift_form.gift_modal(ProductCard.of(TEA), "", loc)["blocks"],
    "reward_sent": lambda loc: (
        reward_blocks.sent_message(SendReport((REWARD,), (), Money(925_000_00, "INR")), loc).blocks
    ),
}
TEAMS: dict[str, Render] = {
    "catalog_categories": lambda loc: cards.catalog_card(
        page(CatalogQuery(category="tea"), SORTED), loc=loc
    ),
    "catalog_unknown_category": lambda loc: cards.catalog_card(
        page(CatalogQuery(category="crypto"), SORTED), loc=loc
    ),
    "approval_request": lambda loc: approval_cards.approval_request_card(APPROVAL, loc),
    "approval_outcome": lambda loc: approval_cards.approval_outcome_card(REJECTED, loc),
    "approval_decided": lambda loc: approval_cards.approval_decided_card(REJECTED, loc),
    "approval_pending": lambda loc: approval_cards.pending_card(APPROVAL, loc),
    "shout_out": lambda loc: approval_cards.shout_out_card(SHOUT, loc),
    "catalog": lambda loc: cards.catalog_card(page(CatalogQuery(country="DE")), loc=loc),
    "catalog_reward": lambda loc: cards.catalog_card(
        page(CatalogQuery(currency="EUR")), REWARD, loc
    ),
    "product_open": lambda loc: cards.product_card(ProductCard.of(TEA), CatalogQuery(), loc=loc),
    "product_denominations": lambda loc: cards.product_card(
        ProductCard.of(BOOKS), CatalogQuery(), loc=loc
    ),
    "order_awaiting": lambda loc: cards.order_card(summary(OrderStatus.AWAITING_PAYMENT), loc),
    "order_declined": lambda loc: cards.order_card(
        summary(OrderStatus.FAILED, "Your card was declined."), loc
    ),
    "voucher": lambda loc: cards.voucher_card(DELIVERY, loc),
    "wallet": lambda loc: cards.wallet_card(
        Wallet((ENTRY,), (summary(OrderStatus.AWAITING_PAYMENT),), (REWARD,)), loc
    ),
    "help": lambda loc: cards.help_card(loc=loc),
    "reward_notice": lambda loc: reward_cards.notice_card(RewardNotice(REWARD), loc),
    "reward_undeliverable": lambda loc: reward_cards.undeliverable_card(
        RewardUndeliverable(REWARD, "403"), loc
    ),
    "reward_confirmation": lambda loc: reward_cards.confirmation_card(
        PREVIEW, "Thanks", "req-1", loc=loc
    ),
    "catalog_reward_abroad": lambda loc: cards.catalog_card(
        page(CatalogQuery(currency="EUR", covers=2000)), REWARD, loc, RATE_NOTE
    ),
    "gift": lambda loc: gift_cards.gift_card(GIFT, loc),
    "gift_receipt": lambda loc: gift_cards.receipt_card(RECEIPT, loc),
    "gift_form": lambda loc: gift_cards.gift_form_card(ProductCard.of(TEA), "42", loc),
    "gift_extension": lambda loc: gift_cards.gift_extension_card(
        (ProductCard.of(TEA), ProductCard.of(BOOKS)),
        {"to": "aad-grace", "amount": "3"},
        Author("aad-grace", "Grace Hopper"),
        "€3 is below the minimum of €5 (maximum €200).",
        loc,
    ),
    "wallet_with_gifts": lambda loc: gift_cards.wallet_with_gifts(
        Wallet((ENTRY,), (), (), (RECEIPT,)), loc
    ),
}


# Counts the line boxes each code occupies; -1 when the code is not on the page.
MEASURE = """codes => codes.map(code => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(code);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + code.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  }
  return -1;
})"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


def teams_page(card: Any) -> str:
    script = RENDERER.read_text(encoding="utf-8")
    payload = json.dumps(card).replace("</", "<\\\\/")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{margin:0;font-family:'Segoe UI',sans-serif;background:#f5f5f5}"
        "#card{margin:12px;background:#fff;border-radius:6px;overflow:visible}</style></head>"
        f"<body><div id='card'></div><script>{script}</script><script>(() => {{"
        "const card = new AdaptiveCards.AdaptiveCard();"
        "card.hostConfig = new AdaptiveCards.HostConfig({fontFamily: \"'Segoe UI', sans-serif\"});"
        f"card.parse({payload});"
        "document.getElementById('card').appendChild(card.render());"
        "})();</script></body></html>"
    )


class Camera:
    """One page per width, reused for every message: renders, saves, and says what is wrong."""

    def __init__(self, pages: dict[int, Any]) -> None:
        self._pages = pages
        self._errors: list[str] = []
        for view in pages.values():
            view.on("pageerror", lambda exc: self._errors.append(str(exc)))

    async def shoot(self, html: str, name: str, codes: list[str]) -> list[str]:
        problems = []
        for width, view in self._pages.items():
            self._errors.clear()
            await view.set_content(html, wait_until="load")
            errors = list(self._errors)
            SHOTS.mkdir(parents=True, exist_ok=True)
            await view.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            overflow = await view.evaluate(OVERFLOW)
            lines = await view.evaluate(MEASURE, codes)
            problems += [f"{name} @{width}px: script error {e}" for e in errors]
            if overflow > 0:
                problems.append(f"{name} @{width}px: {overflow}px wider than the screen")
            problems += [
                f"{name} @{width}px: code {code!r} "
                + ("missing" if n < 0 else f"broken over {n} lines")
                for code, n in zip(codes, lines, strict=False)
                if n != 1
            ]
        return problems


@pytest.fixture
async def camera(chromium: Any) -> AsyncIterator[Camera]:
    pages = {}
    for width in WIDTHS:
        context = await chromium.new_context(viewport={"width": width, "height": 900})
        view = await context.new_page()
        await view.route("**/*", lambda route: route.abort())  # nothing leaves the machine
        pages[width] = view
    yield Camera(pages)


def _codes(rendered: Any) -> list[str]:
    text = json.dumps(rendered, ensure_ascii=False)
    return [code for code in (CODE, PIN) if code in text]


async def test_every_slack_message_fits_a_phone_and_a_desktop_in_two_locales(
    camera: Camera,
) -> None:
    problems = []
    for tag in LOCALES:
        for name, render in SLACK.items():
            rendered = render(localizer(tag))
            problems += await camera.shoot(
                blockkit.page(rendered, name), f"slack-{name}-{tag}", _codes(rendered)
            )

    assert problems == []


async def test_every_teams_card_fits_a_phone_and_a_desktop_in_two_locales(camera: Camera) -> None:
    problems = []
    for tag in LOCALES:
        for name, render in TEAMS.items():
            rendered = render(localizer(tag))
            problems += await camera.shoot(
                teams_page(rendered), f"teams-{name}-{tag}", _codes(rendered)
            )

    assert problems == []


async def test_the_old_layout_beside_a_logo_would_have_been_caught(camera: Camera) -> None:
    """The check itself: a long code in a field beside an image breaks at phone width, and is
    refused."""
    code = "NORTHWIND-OUTFITTERS-2027-ABCD-EFGH-IJKL"
    old = [
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*Code*\n`{code}`"}] * 2,
            "accessory": {"type": "image", "image_url": "x", "alt_text": "logo"},
        }
    ]

    problems = await camera.shoot(blockkit.page(old, "old"), "slack-old-layout", [code])

    assert any("broken over" in p for p in problems if "@390px" in p)


def test_the_screenshot_renderer_reads_slacks_mrkdwn() -> None:
    assert blockkit.mrkdwn("*Code*\n```A-1```") == "<b>Code</b><br><pre>A-1</pre>"
    assert re.search(r"<code>/vouchers</code>", blockkit.mrkdwn("`/vouchers`"))
