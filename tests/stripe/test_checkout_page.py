"""GET /checkout/{token} and its status poll: what each order state shows, escaping, and security
headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from adapters.web.checkout import security_headers
from core.orders import OrderStatus
from tests.localstripe_server import DECLINED, confirm_server_side, wait_until
from tests.stripe.conftest import MISCHIEF, Shop


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def _get(http: ClientSession, url: str) -> tuple[int, str, dict[str, str]]:
    async with http.get(url) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_the_page_shows_brand_product_amount_card_form_and_test_banner(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order(minor=2500)

    status, html, _ = await _get(http, shop.page_url(summary.order_id))

    assert status == 200
    for text in (
        "Quiet Harbour Books",
        "Quiet Harbour Books gift card",
        "$25",
        "USD",
        "Pay $25",
        'id="card-element"',
        "Test mode — no real money moves; use card 4242 4242 4242 4242",
        shop.local.js_url,
        "/test-images/harbour.svg",
    ):
        assert text in html
    assert shop.order(summary.order_id).payment_client_secret in html


async def test_without_test_mode_there_is_no_banner(shop: Shop, http: ClientSession) -> None:
    from aiohttp import web

    from adapters.web.checkout import checkout_routes

    app = web.Application()
    app.router.add_routes(
        checkout_routes(
            shop.checkout,
            shop.gateway,
            publishable_key="pk_live_x",
            stripe_js_url="https://js.stripe.com/v3/",
            test_mode=False,
        )
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    summary = await shop.place_order()
    token = shop.order(summary.order_id).checkout_token
    try:
        _, html, _ = await _get(http, f"http://127.0.0.1:{runner.addresses[0][1]}/checkout/{token}")
    finally:
        await runner.cleanup()

    assert "Test mode" not in html
    assert 'src="https://js.stripe.com/v3/"' in html


async def test_the_page_sets_headers_for_stripe_teams_and_no_caching(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order()

    _, _, headers = await _get(http, shop.page_url(summary.order_id))

    policy = headers["Content-Security-Policy"]
    assert f"script-src 'self' {shop.local.url}" in policy
    assert f"frame-src {shop.local.url}" in policy
    assert (
        "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com "
        "https://*.cloud.microsoft"
    ) in policy
    assert "default-src 'none'" in policy
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in headers  # it would keep the page out of Teams dialogs


def test_real_stripe_js_also_gets_its_api_and_3ds_frames() -> None:
    policy = security_headers("https://js.stripe.com/v3/")["Content-Security-Policy"]

    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com;" in policy
    assert "connect-src 'self' https://js.stripe.com https://api.stripe.com;" in policy
    assert (
        "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;"
        in policy
    )


async def test_everything_from_the_catalog_is_escaped(shop: Shop, http: ClientSession) -> None:
    summary = await shop.place_order(MISCHIEF, 2000)

    _, html, _ = await _get(http, shop.page_url(summary.order_id))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html


async def test_an_unknown_link_is_a_404_page(shop: Shop, http: ClientSession) -> None:
    status, html, headers = await _get(http, f"{shop.url}/checkout/tok-nobody-issued")

    assert status == 404
    assert "This checkout link is not valid" in html
    assert headers["Cache-Control"] == "no-store"


async def test_an_absurdly_long_token_is_a_404_without_a_lookup(
    shop: Shop, http: ClientSession
) -> None:
    status, _, _ = await _get(http, f"{shop.url}/checkout/{'x' * 500}")

    assert status == 404


async def test_an_expired_link_says_so(shop: Shop, http: ClientSession) -> None:
    summary = await shop.place_order()
    shop.clock.advance(minutes=31)

    status, html, _ = await _get(http, shop.page_url(summary.order_id))
    poll_status, poll, _ = await _get(http, f"{shop.page_url(summary.order_id)}/status")

    assert status == 410
    assert "This checkout link has expired" in html
    assert poll_status == 410 and '"status": "expired"' in poll


async def test_a_paid_order_shows_the_paid_state_and_no_card_form(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order()
    await confirm_server_side(shop.local, shop.order(summary.order_id).payment_intent_id or "")
    await wait_until(
        lambda: shop.order(summary.order_id).status is OrderStatus.ISSUED, what="the voucher"
    )

    status, html, _ = await _get(http, shop.page_url(summary.order_id))
    async with http.get(f"{shop.page_url(summary.order_id)}/status") as response:
        poll = await response.json()

    assert status == 200
    assert "Payment received — your voucher is on its way in the chat" in html
    assert 'id="payment-form"' not in html
    assert poll == {"status": "issued", "label": "Voucher ready", "state": "paid"}


async def test_a_declined_order_shows_the_reason_and_a_way_to_try_again(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order()
    await confirm_server_side(
        shop.local, shop.order(summary.order_id).payment_intent_id or "", DECLINED
    )
    await wait_until(
        lambda: shop.order(summary.order_id).status is OrderStatus.FAILED, what="the failure"
    )

    _, html, _ = await _get(http, shop.page_url(summary.order_id))
    async with http.get(f"{shop.page_url(summary.order_id)}/status") as response:
        poll = await response.json()

    assert "Your card was declined." in html
    assert "Try again, pay $25" in html
    assert "Your card was declined. No money was taken." in html
    assert (
        poll["state"] == "failed"
        and poll["reason"] == "Your card was declined. No money was taken."
    )


async def test_the_page_speaks_the_browsers_language_and_writes_its_amounts(
    shop: Shop, http: ClientSession
) -> None:
    summary = await shop.place_order()

    headers = {"Accept-Language": "en;q=0.4, de-DE"}
    async with http.get(shop.page_url(summary.order_id), headers=headers) as response:
        html = await response.text()
    async with http.get(f"{shop.page_url(summary.order_id)}/status", headers=headers) as response:
        poll = await response.json()

    assert '<html lang="de">' in html
    assert "25\xa0US$" in html or "25&nbsp;US$" in html
    assert poll["state"] == "pay"


async def test_the_status_poll_of_an_unknown_link_is_a_json_404(
    shop: Shop, http: ClientSession
) -> None:
    async with http.get(f"{shop.url}/checkout/tok-nobody-issued/status") as response:
        assert response.status == 404
        assert (await response.json())["status"] == "unknown"


async def test_the_page_assets_are_served(shop: Shop, http: ClientSession) -> None:
    for asset in ("checkout.css", "checkout.js"):
        async with http.get(f"{shop.url}/static/checkout/{asset}") as response:
            assert response.status == 200
            assert len(await response.read()) > 500
