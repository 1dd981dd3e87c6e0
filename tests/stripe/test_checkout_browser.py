"""The checkout page in headless Chromium: type a test card into the Card Element, pay, see it
paid."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.orders import OrderStatus
from tests.stripe.conftest import Shop

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DIALOG = {"width": 480, "height": 820}  # about a Teams dialog, or a large phone


@pytest.fixture
async def browser() -> AsyncIterator[object]:
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


async def _open(browser: object, url: str, problems: list[str]) -> object:
    page = await browser.new_page(viewport=DIALOG)  # type: ignore[attr-defined]
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(url)
    return page


async def _pay_with(page: object, number: str) -> None:
    card = page.locator("#card-element")  # type: ignore[attr-defined]
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "31"),
        ("cvc", "123"),
        ("postal_code", "94107"),
    ):
        await card.locator(f'input[placeholder="{field}"]').fill(value)
    await page.get_by_role("button", name="pay").click()  # type: ignore[attr-defined]


async def test_a_buyer_pays_with_the_test_card_and_sees_the_payment_received(
    shop: Shop, browser: object
) -> None:
    summary = await shop.place_order()
    problems: list[str] = []
    page = await _open(browser, shop.page_url(summary.order_id), problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "checkout-form.png"), full_page=True)  # type: ignore[attr-defined]

    await _pay_with(page, "4242 4242 4242 4242")
    paid = page.locator("#state-paid")  # type: ignore[attr-defined]
    await paid.wait_for(state="visible", timeout=15000)
    await page.screenshot(path=str(SCREENSHOTS / "checkout-paid.png"), full_page=True)  # type: ignore[attr-defined]

    assert "Payment received — your voucher is on its way in the chat" in await paid.inner_text()
    assert shop.order(summary.order_id).status is OrderStatus.ISSUED
    assert shop.provider.issued == [summary.order_id]
    assert problems == []


async def test_a_declined_card_shows_why_and_the_next_card_pays(
    shop: Shop, browser: object
) -> None:
    summary = await shop.place_order()
    problems: list[str] = []
    page = await _open(browser, shop.page_url(summary.order_id), problems)

    await _pay_with(page, "4000000000000341")
    failed = page.locator("#payment-failed")  # type: ignore[attr-defined]
    await failed.wait_for(state="visible", timeout=10000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "checkout-declined.png"), full_page=True)  # type: ignore[attr-defined]
    assert "Your card was declined." in await failed.inner_text()
    assert "Try again" in await page.locator("#pay-button").inner_text()  # type: ignore[attr-defined]

    await _pay_with(page, "4242424242424242")
    await page.locator("#state-paid").wait_for(state="visible", timeout=15000)  # type: ignore[attr-defined]

    assert shop.provider.issued == [summary.order_id]
    assert [p for p in problems if "402" not in p] == []  # the decline itself is a logged 402


async def test_the_page_fits_a_narrow_phone_without_sideways_scrolling(
    shop: Shop, browser: object
) -> None:
    summary = await shop.place_order()
    page = await browser.new_page(viewport={"width": 320, "height": 640})  # type: ignore[attr-defined]
    await page.goto(shop.page_url(summary.order_id))

    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0
    assert await page.get_by_role("button", name="pay").is_visible()


async def test_an_email_typed_on_the_page_becomes_the_payment_intents_receipt_email(
    shop: Shop, browser: object
) -> None:
    summary = await shop.place_order()
    problems: list[str] = []
    page = await _open(browser, shop.page_url(summary.order_id), problems)

    await page.locator("#receipt-email").fill("ada@quiet-harbour.example")  # type: ignore[attr-defined]
    await _pay_with(page, "4242 4242 4242 4242")
    await page.locator("#state-paid").wait_for(state="visible", timeout=15000)  # type: ignore[attr-defined]

    intent = await _intent(shop, shop.order(summary.order_id).payment_intent_id or "")
    assert intent["receipt_email"] == "ada@quiet-harbour.example"
    assert problems == []


async def _intent(shop: Shop, intent_id: str) -> dict[str, object]:
    import aiohttp

    from tests.localstripe_server import TEST_SECRET_KEY

    headers = {"Authorization": f"Bearer {TEST_SECRET_KEY}"}
    url = f"{shop.local.url}/v1/payment_intents/{intent_id}"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return await response.json()  # type: ignore[no-any-return]
