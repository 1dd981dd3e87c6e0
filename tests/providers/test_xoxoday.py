"""The Plum client and provider against the loopback fake: tokens, retries, orders, pending and
balance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from aiohttp import web

from adapters.providers.xoxoday import (
    MemoryTokenStore,
    RetryPolicy,
    XoxodayClient,
    XoxodayProvider,
)
from adapters.providers.xoxoday_catalog import to_product
from core.catalog import Product
from core.errors import ProviderError
from core.money import Money
from tests.fake_plum import FakePlum, plum_product, sample_products
from tests.fakes import FixedClock

TODAY = date(2026, 11, 26)
FAST = RetryPolicy(attempts=3, base_delay=0.0)
BOOKS, TEA, CINEMA, PARCEL = (to_product(p) for p in sample_products()[:4])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def plum(clock: FixedClock) -> AsyncIterator[FakePlum]:
    async with FakePlum(sample_products(), clock=clock, token_lifetime=3600) as fake:
        yield fake


def client_for(plum: FakePlum, clock: FixedClock, **options: object) -> XoxodayClient:
    settings: dict[str, object] = {
        "clock": clock,
        "retry": FAST,
        "order_timeout": 2.0,
        "timeout": 2.0,
    }
    settings.update(options)
    return XoxodayClient(
        plum.base_url, plum.client_id, plum.client_secret, "plum-refresh-1", **settings
    )  # type: ignore[arg-type]


@pytest.fixture
async def client(plum: FakePlum, clock: FixedClock) -> AsyncIterator[XoxodayClient]:
    made = client_for(plum, clock)
    yield made
    await made.close()


class Alerts:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def __call__(self, message: str) -> None:
        self.messages.append(message)


def provider_for(
    client: XoxodayClient,
    alerts: Alerts | None = None,
    *,
    max_wait: float = 1.0,
    recheck_interval: float = 0.0,
) -> XoxodayProvider:
    return XoxodayProvider(
        client,
        poll_interval=0.01,
        max_wait=max_wait,
        recheck_interval=recheck_interval,
        alert=alerts,
    )


async def issue(
    provider: XoxodayProvider, order_id: str, product: Product = BOOKS, major: str = "25"
):  # type: ignore[no-untyped-def]
    amount = Money.parse(major, product.currency)
    return await provider.issue(order_id=order_id, product=product, amount=amount, today=TODAY)


# --- tokens ------------------------------------------------------------------------------------


async def test_calls_share_one_access_token_until_it_nears_expiry(
    plum: FakePlum, client: XoxodayClient, clock: FixedClock
) -> None:
    await asyncio.gather(*(client.get_balance() for _ in range(5)))
    assert plum.refreshes == 1

    clock.advance(minutes=55)  # inside the refresh margin of a one-hour token
    await client.get_balance()

    assert plum.refreshes == 2
    assert client.requests["getBalance"] == 6  # no call was refused on the way


async def test_a_revoked_token_is_refreshed_once_and_the_call_retried(
    plum: FakePlum, client: XoxodayClient
) -> None:
    await client.get_balance()
    plum.expire_access_tokens()

    balance = await client.get_balance()

    assert balance.value == Decimal(1000) and balance.currency == "USD"
    assert plum.refreshes == 2
    assert client.requests["getBalance"] == 3 and plum.calls["getBalance"] == 2  # one was refused


async def test_the_rotated_refresh_token_survives_a_restart_through_the_token_store(
    plum: FakePlum, clock: FixedClock
) -> None:
    store = MemoryTokenStore()
    first = client_for(plum, clock, token_store=store)
    await first.get_balance()
    await first.close()
    clock.advance(hours=2)  # the access token has expired; the configured refresh token is dead

    second = client_for(plum, clock, token_store=store)
    await second.get_balance()
    await second.close()

    assert plum.refreshes == 2
    assert store.tokens is not None and store.tokens.refresh_token == plum.refresh_token
    assert plum.refresh_token not in repr(store.tokens)


async def test_a_refused_refresh_token_is_a_retryable_provider_error(
    plum: FakePlum, clock: FixedClock
) -> None:
    stranger = XoxodayClient(
        plum.base_url, plum.client_id, plum.client_secret, "revoked", clock=clock, retry=FAST
    )

    with pytest.raises(ProviderError) as caught:
        await stranger.get_balance()
    await stranger.close()

    assert caught.value.retryable
    assert plum.calls["getBalance"] == 0


# --- retries and errors ------------------------------------------------------------------------


async def test_a_burst_of_server_errors_is_retried(plum: FakePlum, client: XoxodayClient) -> None:
    plum.fail_next(2, status=503)

    balance = await client.get_balance()

    assert balance.value == Decimal(1000)
    assert plum.calls["getBalance"] == 3


async def test_a_burst_longer_than_the_retries_is_a_retryable_error(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.fail_next(5, status=500)

    with pytest.raises(ProviderError) as caught:
        await client.get_balance()

    assert caught.value.retryable
    assert plum.calls["getBalance"] == FAST.attempts


async def test_a_refused_order_is_not_retried_and_fails_for_good(
    plum: FakePlum, client: XoxodayClient
) -> None:
    with pytest.raises(ProviderError) as caught:
        await issue(provider_for(client), "ord_BADAMOUNT", BOOKS, "30")  # Plum sells 10, 25 or 50

    assert not caught.value.retryable
    assert plum.calls["placeOrder"] == 1 and plum.orders == {}


async def test_malformed_answers_are_provider_errors(clock: FixedClock) -> None:
    async def token(request: web.Request) -> web.Response:
        return web.json_response(
            {"access_token": "tok", "expires_in": 3600, "refresh_token": "next"}
        )

    async def api(request: web.Request) -> web.Response:
        return web.json_response({"data": {"getBalance": {"status": 1, "data": {"value": "lots"}}}})

    app = web.Application()
    app.router.add_post("/chef/v1/oauth/token/user", token)
    app.router.add_post("/chef/v1/oauth/api", api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    odd = XoxodayClient(
        f"http://127.0.0.1:{runner.addresses[0][1]}/chef",
        "id",
        "secret",
        "seed",
        clock=clock,
        retry=FAST,
    )
    try:
        with pytest.raises(ProviderError, match="unexpected answer"):
            await odd.get_balance()
    finally:
        await odd.close()
        await runner.cleanup()


# --- issuing -----------------------------------------------------------------------------------


async def test_an_order_becomes_the_plum_voucher_with_its_expiry(
    plum: FakePlum, client: XoxodayClient
) -> None:
    issued = await issue(provider_for(client), "ord_QHB0001")

    order = plum.orders["ord_QHB0001"]
    assert issued.code == order.vouchers[0]["voucherCode"]
    assert issued.pin is None and issued.redeem_url is None
    assert issued.expires_on == TODAY + timedelta(days=365)
    assert issued.provider_reference == f"plum-order-{order.order_id}"
    assert plum.place_order_requests == [
        {
            "productId": 1001,
            "quantity": 1,
            "denomination": 25,
            "poNumber": "ord_QHB0001",
            "email": "",
            "contact": "",
            "tag": "voucherbot",
            "notifyReceiverEmail": 0,
            "notifyAdminEmail": 0,
        }
    ]
    assert plum.balance == Decimal(975)


async def test_pin_and_link_vouchers_keep_their_pin_and_link(
    plum: FakePlum, client: XoxodayClient
) -> None:
    provider = provider_for(client)

    tea = await issue(provider, "ord_TEA0001", TEA, "42.50")
    film = await issue(provider, "ord_FILM001", CINEMA, "15")

    assert tea.pin == plum.orders["ord_TEA0001"].vouchers[0]["pin"] and tea.pin
    assert plum.place_order_requests[0]["denomination"] == 42.5
    assert film.redeem_url == film.code and film.code.startswith("https://redeem.plum.example/")


async def test_asking_again_for_the_same_order_buys_nothing_more(
    plum: FakePlum, client: XoxodayClient
) -> None:
    provider = provider_for(client)

    first = await issue(provider, "ord_TWICE01")
    second = await issue(provider, "ord_TWICE01")

    assert first == second
    assert plum.vouchers_issued == 1 and plum.calls["placeOrder"] == 1


async def test_a_pending_order_is_polled_until_plum_completes_it(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.delayed_polls = 3

    issued = await issue(provider_for(client), "ord_SLOW001", PARCEL, "20")

    assert issued.code == plum.orders["ord_SLOW001"].vouchers[0]["voucherCode"]
    assert plum.calls["getOrderDetails"] == 1 + 3  # the look-up before buying, then three polls


async def test_an_order_still_pending_after_max_wait_completes_on_a_later_attempt_with_the_same_po(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.delayed_polls = 2
    provider = provider_for(client, max_wait=0.0)

    for _ in range(2):
        with pytest.raises(ProviderError, match="on its way") as caught:
            await issue(provider, "ord_SLOW002", PARCEL, "40")
        assert caught.value.retryable
    issued = await issue(provider, "ord_SLOW002", PARCEL, "40")

    assert issued.code == plum.orders["ord_SLOW002"].vouchers[0]["voucherCode"]
    assert [r["poNumber"] for r in plum.place_order_requests] == ["ord_SLOW002"]


async def test_a_pending_order_is_not_rechecked_before_its_time(
    plum: FakePlum, client: XoxodayClient
) -> None:
    provider = provider_for(client, max_wait=0.0, recheck_interval=300.0)
    with pytest.raises(ProviderError):
        await issue(provider, "ord_SLOW003", PARCEL, "20")
    calls_before = sum(plum.calls.values())

    with pytest.raises(ProviderError, match="on its way"):
        await issue(provider, "ord_SLOW003", PARCEL, "20")

    assert sum(plum.calls.values()) == calls_before


async def test_a_short_wallet_fails_the_order_for_good_and_alerts_admins(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.balance = Decimal(10)
    alerts = Alerts()

    with pytest.raises(ProviderError, match="insufficient Plum wallet balance") as caught:
        await issue(provider_for(client, alerts), "ord_POOR001")

    assert not caught.value.retryable
    assert plum.orders == {} and plum.calls["placeOrder"] == 0
    assert len(alerts.messages) == 1 and "ord_POOR001" in alerts.messages[0]


async def test_a_wallet_in_another_currency_lets_plum_refuse_and_admins_learn_why(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.balance, plum.currency = Decimal(10), "EUR"
    alerts = Alerts()

    with pytest.raises(ProviderError) as caught:
        await issue(provider_for(client, alerts), "ord_POOR002")

    assert not caught.value.retryable and plum.calls["placeOrder"] == 1 and plum.orders == {}
    assert len(alerts.messages) == 1 and "Insufficient balance" in alerts.messages[0]


async def test_server_errors_on_place_order_are_retried_after_checking_the_po(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.fail_next(2, status=502, operation="placeOrder")

    issued = await issue(provider_for(client), "ord_BURST01")

    assert issued.code == plum.orders["ord_BURST01"].vouchers[0]["voucherCode"]
    assert plum.calls["placeOrder"] == 3 and plum.calls["getOrderDetails"] == 1 + 2
    assert plum.vouchers_issued == 1


async def test_a_timeout_after_plum_processed_the_order_finds_it_instead_of_buying_again(
    plum: FakePlum, clock: FixedClock
) -> None:
    client = client_for(plum, clock, order_timeout=0.2)
    plum.stall_next_order(0.5, after_processing=True)

    issued = await issue(provider_for(client), "ord_LATE001")
    await client.close()

    assert issued.code == plum.orders["ord_LATE001"].vouchers[0]["voucherCode"]
    assert plum.calls["placeOrder"] == 1 and plum.vouchers_issued == 1


async def test_a_timeout_before_plum_processed_the_order_retries_with_the_same_po_and_yields_one_voucher(
    plum: FakePlum, clock: FixedClock
) -> None:
    client = client_for(plum, clock, order_timeout=0.2)
    plum.stall_next_order(0.5, after_processing=False)

    issued = await issue(provider_for(client), "ord_LATE002")
    await asyncio.sleep(0.6)  # let the stalled first request finish too
    await client.close()

    assert [r["poNumber"] for r in plum.place_order_requests] == ["ord_LATE002", "ord_LATE002"]
    assert plum.vouchers_issued == 1
    assert issued.code == plum.orders["ord_LATE002"].vouchers[0]["voucherCode"]
    assert plum.balance == Decimal(975)


async def test_a_product_from_another_provider_is_refused(client: XoxodayClient) -> None:
    local = Product(
        id="quiet-harbour-books",
        brand="Quiet Harbour Books",
        name="Gift card",
        currency="USD",
        denominations=(2500,),
    )

    with pytest.raises(ProviderError) as caught:
        await issue(provider_for(client), "ord_LOCAL01", local)

    assert not caught.value.retryable


async def test_orders_are_limited_to_ten_units(client: XoxodayClient) -> None:
    with pytest.raises(ValueError, match="1 to 10"):
        await client.place_order("ord_BULK001", 1001, Decimal(10), quantity=11)


async def test_the_fake_refuses_requests_that_break_the_documented_shape(plum: FakePlum) -> None:
    import aiohttp

    plum.products.append(plum_product(2001, "Extra", denominations="10"))
    async with aiohttp.ClientSession() as session:
        token = (
            await (
                await session.post(
                    f"{plum.base_url}/v1/oauth/token/user",
                    json={
                        "grant_type": "refresh_token",
                        "refresh_token": plum.refresh_token,
                        "client_id": plum.client_id,
                        "client_secret": plum.client_secret,
                    },
                )
            ).json()
        )["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answers = [
            await session.post(f"{plum.base_url}/v1/oauth/api", json=body, headers=headers)
            for body in (
                {
                    "query": "plumProAPI.mutation.getVouchers",
                    "variables": {"data": {"limit": 1, "page": 1}},
                },
                {
                    "query": "plumProAPI.mutation.getVouchers",
                    "tag": "plumProAPI",
                    "variables": {"data": {"page": 1}},
                },
                {
                    "query": "plumProAPI.mutation.placeOrder",
                    "tag": "plumProAPI",
                    "variables": {"data": {"productId": 2001, "quantity": 1, "denomination": 10}},
                },
            )
        ]
        unauthorised = await session.post(f"{plum.base_url}/v1/oauth/api", json={})

    assert [a.status for a in answers] == [400, 400, 400]
    assert unauthorised.status == 401
    assert plum.orders == {}


async def test_logs_never_carry_tokens_codes_or_pins(
    plum: FakePlum, client: XoxodayClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    plum.fail_next(1, status=503, operation="placeOrder")

    issued = await issue(provider_for(client), "ord_QUIET01", TEA, "30")

    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    secrets = [
        issued.code,
        issued.pin or "",
        plum.refresh_token,
        "plum-refresh-1",
        *plum.access_tokens,
    ]
    assert "ord_QUIET01" in logged
    assert not [s for s in secrets if s and s in logged]


# --- routing support: find and balances ---------------------------------------------------------


async def test_find_says_none_for_a_po_plum_never_saw_and_the_voucher_for_one_it_did(
    client: XoxodayClient,
) -> None:
    provider = provider_for(client)
    amount = Money.parse("25", BOOKS.currency)
    assert (
        await provider.find(order_id="ord_never_placed", product=BOOKS, amount=amount, today=TODAY)
        is None
    )
    placed = await issue(provider, "ord_found_later")
    found = await provider.find(
        order_id="ord_found_later", product=BOOKS, amount=amount, today=TODAY
    )
    assert found == placed


async def test_the_wallet_balance_is_offered_for_routing_and_health(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.balance = Decimal("1234.5")
    assert await provider_for(client).balances() == [Money(123450, "USD")]


async def test_a_pending_order_is_looked_up_again_only_after_the_recheck_interval(
    plum: FakePlum, client: XoxodayClient
) -> None:
    plum.delayed_polls = 1000  # delayed products take days
    provider = provider_for(client, max_wait=0.0, recheck_interval=300.0)
    with pytest.raises(ProviderError):
        await issue(provider, "ord_pending", PARCEL, "20")
    calls = plum.calls["getOrderDetails"]
    with pytest.raises(ProviderError) as caught:
        await provider.find(
            order_id="ord_pending", product=PARCEL, amount=Money(2000, "USD"), today=TODAY
        )
    assert caught.value.retryable and plum.calls["getOrderDetails"] == calls
