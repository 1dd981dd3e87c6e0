"""The dashboard in headless Chromium: sign in, find an order, reveal its code, refund it, export,
verify."""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.orders import OrderStatus
from tests.admin.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BOOKS,
    GRACE,
    SCREENSHOTS,
    Console,
    History,
)
from tests.stripe.test_checkout_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
Page = Any  # playwright.async_api.Page: playwright ships no stubs mypy reads here


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests need Chromium at {CHROMIUM} in CI")
        pytest.skip(
            f"no Chromium at {CHROMIUM} (install the chromium package to run browser tests)"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def _page(chromium: Any, viewport: dict[str, int] = LAPTOP) -> tuple[Page, list[str]]:
    context = await chromium.new_context(viewport=viewport, accept_downloads=True)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


async def _sign_in(
    page: Page, console: Console, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> None:
    await page.goto(f"{console.url}/admin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{console.url}/admin")


async def _shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot for reviewers; long pages (phones, the audit trail) only as far as the first
    screen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"), full_page=full_page)


async def test_an_operator_signs_in_finds_an_order_and_reads_its_timeline(
    console: Console, history: History, chromium: Any
) -> None:
    page, problems = await _page(chromium)
    await page.goto(f"{console.url}/admin/orders")
    await page.wait_for_url(re.compile(r"/admin/login\?next=(/|%2F)admin(/|%2F)orders$"))
    await page.get_by_label("Email").fill(ADMIN_EMAIL)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("alert").wait_for()
    await _shot(page, "login")

    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{console.url}/admin/orders")
    await page.get_by_role("link", name="Overview", exact=True).click()
    await _shot(page, "overview")
    await page.get_by_role("link", name="Orders", exact=True).click()
    await _shot(page, "orders")

    await page.get_by_label("Status").select_option("delivered")
    await page.get_by_label("Channel").select_option("teams")
    await page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("#orders-table tbody tr")
    statuses = await rows.locator("td[data-label=Status]").all_inner_texts()
    channels = await rows.locator("td[data-label=Channel]").all_inner_texts()
    assert statuses and set(statuses) == {"Delivered"}
    assert set(channels) == {"Teams"}

    await page.get_by_label("Search").fill(history.delivered)
    await page.get_by_role("button", name="Apply filters").click()
    await page.get_by_role("link", name=history.delivered).click()
    timeline = page.locator(".timeline")
    await timeline.wait_for()
    await _shot(page, "order")

    text = await timeline.inner_text()
    for step in (
        "Order created",
        "Payment confirmed",
        "Stripe webhook",
        "Voucher issued",
        "Voucher delivered in chat",
    ):
        assert step in text
    assert GRACE.name in await page.locator("main").inner_text()
    assert problems == []


async def test_an_admin_reveals_a_code_once_and_the_reveal_is_in_the_audit_trail(
    console: Console, history: History, chromium: Any
) -> None:
    code = await console.voucher_code(history.delivered)
    page, problems = await _page(chromium)
    await _sign_in(page, console)
    await page.goto(f"{console.url}/admin/orders/{history.delivered}")
    assert code not in await page.content()

    await page.get_by_role("button", name="Reveal code").click()
    await page.locator("#reveal-notice").wait_for()
    await _shot(page, "order-revealed")

    assert await page.locator("#voucher-code").inner_text() == code
    assert (
        f"admin:{ADMIN_EMAIL}",
        "voucher.revealed",
        history.delivered,
    ) in await console.audit_actions()
    await page.goto(f"{console.url}/admin/orders/{history.delivered}")
    assert code not in await page.content()
    assert problems == []


async def test_an_admin_refunds_a_card_payment_through_localstripe(
    console: Console, history: History, chromium: Any
) -> None:
    order_id = await console.place(GRACE, BOOKS, 5000)
    await console.pay_by_card(order_id)
    page, problems = await _page(chromium)
    await _sign_in(page, console)
    await page.goto(f"{console.url}/admin/orders/{order_id}")

    await page.get_by_text("Refund…").click()
    await page.get_by_role("button", name="Refund 50.00 USD").click()
    await page.get_by_text("The refund went to Stripe and the voucher is void.").wait_for()

    assert (await console.order(order_id)).status is OrderStatus.REFUNDED
    assert "Void" in await page.locator("#voucher-title + dl").inner_text()
    await _until_stripe_confirms_the_refund(console)
    assert problems == []


async def _until_stripe_confirms_the_refund(console: Console) -> None:
    """localstripe's signed `charge.refunded` webhook reaches the app and is accepted (stored as
    processed)."""
    import asyncio

    for _ in range(200):
        with sqlite3.connect(console.db_path) as connection:
            kinds = {kind for (kind,) in connection.execute("SELECT kind FROM processed_events")}
        if "charge.refunded" in kinds:
            return
        await asyncio.sleep(0.05)
    pytest.fail("localstripe's charge.refunded webhook never arrived")


async def test_an_export_downloads_the_filtered_orders_as_csv(
    console: Console, history: History, chromium: Any
) -> None:
    page, problems = await _page(chromium)
    await _sign_in(page, console)
    await page.goto(f"{console.url}/admin/orders")
    await page.get_by_label("Channel").select_option("slack")
    await page.get_by_role("button", name="Apply filters").click()
    shown = await page.locator(".pager-count").inner_text()

    async with page.expect_download() as event:
        await page.get_by_role("link", name="Export CSV").click()
    download = await event.value
    rows = list(
        csv.DictReader(io.StringIO((await download.path()).read_text(encoding="utf-8-sig")))
    )

    assert download.suggested_filename.startswith("voucherbot-orders-")
    assert shown.startswith(f"{len(rows)} orders")
    assert {row["buyer_platform"] for row in rows} == {"slack"}
    assert problems == []


async def test_verifying_the_chain_finds_it_intact_then_reports_a_tampered_row(
    console: Console, history: History, chromium: Any
) -> None:
    page, problems = await _page(chromium)
    await _sign_in(page, console)
    await page.get_by_role("link", name="Audit trail").click()
    await page.get_by_role("button", name="Verify chain").click()
    result = page.locator("#verify-result")
    assert "The chain is intact." in await result.inner_text()
    await _shot(page, "audit", full_page=False)

    with sqlite3.connect(console.db_path) as connection:
        connection.execute("UPDATE audit_entries SET actor = 'stripe' WHERE seq = 7")
    await page.get_by_role("button", name="Verify chain").click()

    assert "The chain is broken at entry #7." in await result.inner_text()
    assert "content was altered" in await result.inner_text()
    await _shot(page, "audit-broken", full_page=False)
    assert problems == []


async def test_rewards_and_the_phone_layout_are_usable(
    console: Console, history: History, chromium: Any
) -> None:
    page, problems = await _page(chromium)
    await _sign_in(page, console)
    await page.get_by_role("link", name="Rewards").click()
    await _shot(page, "rewards")
    await page.get_by_role("link", name="Ledger and rewards").click()
    await _shot(page, "programme")
    assert "Annual budget" in await page.locator("main").inner_text()

    phone, phone_problems = await _page(chromium, PHONE)
    await _sign_in(phone, console)
    await _shot(phone, "overview-phone", full_page=False)
    await phone.goto(f"{console.url}/admin/orders")
    await _shot(phone, "orders-phone", full_page=False)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    await phone.goto(f"{console.url}/admin/orders/{history.delivered}")
    await _shot(phone, "order-phone", full_page=False)

    assert overflow <= 0
    assert problems == [] and phone_problems == []


async def test_the_skip_link_is_the_first_stop_for_keyboard_users(
    console: Console, chromium: Any
) -> None:
    page, _ = await _page(chromium)
    await _sign_in(page, console)

    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    await page.keyboard.press("Enter")

    assert focused == "Skip to main content"
    assert await page.evaluate("document.activeElement.id") == "main"
