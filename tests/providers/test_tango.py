"""The Tango client, catalog sync and provider against the loopback fake: auth, orders, errors, 429,
balance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import aiohttp
import pytest

from adapters.providers.tango import TangoApiError, TangoCatalogSync, TangoClient, TangoProvider
from adapters.providers.tango_catalog import map_catalog
from adapters.providers.xoxoday_client import RetryPolicy
from core.catalog import Product
from core.errors import ProviderError
from core.money import Money
from tests.fake_tango import FakeTango, sample_catalog
from tests.fakes import FixedClock, MemoryCatalogStore

TODAY = date(2026, 12, 6)
FAST = RetryPolicy(attempts=3, base_delay=0.0)


def products() -> dict[str, Product]:
    mapped, _, _ = map_catalog(sample_catalog())
    return {p.id: p for p in mapped}


BOOKS = products()["tango-b916708-usd-us"]
TEA = products()["tango-b402211-gbp-gb"]


@pytest.fixture
async def tango() -> AsyncIterator[FakeTango]:
    async with FakeTango() as fake:
        yield fake


def client_for(tango: FakeTango, **options: object) -> TangoClient:
    settings: dict[str, object] = {
        "customer_id": tango.customer_id,
        "account_id": tango.account_id,
        "retry": FAST,
        "timeout": 1.0,
    }
    settings.update(options)
    return TangoClient(tango.base_url, tango.platform_name, tango.platform_key, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def client(tango: FakeTango) -> AsyncIterator[TangoClient]:
    made = client_for(tango)
    yield made
    await made.close()


# --- the fake is strict ---------------------------------------------------------------------------


async def test_the_fake_refuses_a_wrong_platform_key_with_tangos_error_shape(
    tango: FakeTango,
) -> None:
    async with (
        aiohttp.ClientSession(
            headers={"Authorization": aiohttp.BasicAuth("x", "y").encode()}
        ) as session,
        session.get(tango.base_url + "/catalogs") as answer,
    ):
        body = await answer.json()
    assert answer.status == 401
    assert {
        "timestamp",
        "requestId",
        "path",
        "httpCode",
        "httpPhrase",
        "i18nKey",
        "message",
        "errors",
    } <= set(body)


async def test_the_fake_refuses_an_order_with_an_unknown_field_or_someone_elses_account(
    tango: FakeTango,
) -> None:
    auth = {"Authorization": aiohttp.BasicAuth(tango.platform_name, tango.platform_key).encode()}
    good = {
        "accountIdentifier": tango.account_id,
        "customerIdentifier": tango.customer_id,
        "amount": 25,
        "utid": "U561594",
        "sendEmail": False,
        "externalRefID": "ord_strict_1",
    }
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.post(
            tango.base_url + "/orders", json={**good, "quantity": 1}
        ) as unknown:
            errors = (await unknown.json())["errors"]
        async with session.post(
            tango.base_url + "/orders", json={**good, "accountIdentifier": "other"}
        ) as other:
            pass
        async with session.post(
            tango.base_url + "/orders", json={**good, "amount": 30}
        ) as wrong_amount:
            pass
    assert unknown.status == 400 and errors[0]["path"] == "quantity"
    assert other.status == 400 and wrong_amount.status == 400
    assert tango.placed == []


async def test_the_fake_answers_201_for_a_new_order_and_200_with_the_same_order_for_its_external_id(
    tango: FakeTango,
) -> None:
    auth = {"Authorization": aiohttp.BasicAuth(tango.platform_name, tango.platform_key).encode()}
    body = {
        "accountIdentifier": tango.account_id,
        "customerIdentifier": tango.customer_id,
        "amount": 25,
        "utid": "U561594",
        "sendEmail": False,
        "externalRefID": "ord_twice",
    }
    async with aiohttp.ClientSession(headers=auth) as session:
        async with session.post(tango.base_url + "/orders", json=body) as first:
            one = await first.json()
        async with session.post(tango.base_url + "/orders", json=body) as second:
            two = await second.json()
    assert (first.status, second.status) == (201, 200)
    assert one["referenceOrderID"] == two["referenceOrderID"] and len(tango.placed) == 1


# --- catalog --------------------------------------------------------------------------------------


async def test_the_catalog_sync_makes_one_product_per_brand_and_country_with_a_utid_per_amount(
    client: TangoClient,
) -> None:
    store = MemoryCatalogStore()
    report = await TangoCatalogSync(client, store, FixedClock()).sync()
    cached = {p.id: p for p in await store.load("tango")}

    assert set(cached) == {"tango-b916708-usd-us", "tango-b402211-gbp-gb", "tango-b118822-eur-de"}
    books = cached["tango-b916708-usd-us"]
    assert books.denominations == (1000, 2500, 5000) and books.sku_for(2500) == "U561594"
    assert books.voucher_format == "code_pin" and books.countries == ("US",)
    tea = cached["tango-b402211-gbp-gb"]
    assert tea.value_range is not None and (tea.value_range.minimum, tea.value_range.maximum) == (
        500,
        20000,
    )
    assert tea.sku_for(1234) == "U730001" and tea.voucher_format == "url"
    assert report.skipped == 1  # the inactive brand


# --- orders ---------------------------------------------------------------------------------------


async def test_a_voucher_comes_with_code_pin_expiry_and_the_order_id_as_external_ref_id(
    tango: FakeTango, client: TangoClient
) -> None:
    issued = await TangoProvider(client).issue(
        order_id="ord_tango_1", product=BOOKS, amount=Money(2500, "USD"), today=TODAY
    )

    [order] = tango.placed
    assert order.external_ref == "ord_tango_1" and order.item["utid"] == "U561594"
    assert issued.code == order.code and issued.pin == order.pin
    assert issued.expires_on == date(2027, 12, 31)
    assert issued.provider_reference == f"tango-{order.reference}"
    assert tango.order_requests[0]["sendEmail"] is False
    assert tango.balance == Decimal("975.00")


async def test_a_url_reward_is_delivered_as_its_redemption_link(
    tango: FakeTango, client: TangoClient
) -> None:
    tango.currency = "GBP"
    issued = await TangoProvider(client).issue(
        order_id="ord_tea", product=TEA, amount=Money(1500, "GBP"), today=TODAY
    )
    assert issued.redeem_url is not None and issued.redeem_url.startswith("https://")
    assert issued.code == issued.redeem_url and issued.pin is None


async def test_issuing_again_for_the_same_order_returns_the_same_reward_and_buys_nothing_more(
    tango: FakeTango, client: TangoClient
) -> None:
    provider = TangoProvider(client)
    first = await provider.issue(
        order_id="ord_again", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
    )
    second = await provider.issue(
        order_id="ord_again", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
    )
    assert first == second and len(tango.placed) == 1


async def test_a_lost_order_answer_is_recovered_by_external_ref_id_without_a_second_order(
    tango: FakeTango,
) -> None:
    client = client_for(tango, timeout=0.3)
    tango.stall_next_order(1.0, after_processing=True)
    try:
        issued = await TangoProvider(client).issue(
            order_id="ord_lost", product=BOOKS, amount=Money(5000, "USD"), today=TODAY
        )
    finally:
        await client.close()
    assert (
        len(tango.orders_for("ord_lost")) == 1
        and issued.code == tango.orders_for("ord_lost")[0].code
    )


async def test_server_errors_and_429_are_retried_and_still_place_one_order(
    tango: FakeTango, client: TangoClient
) -> None:
    tango.fail_next(1, 503, path="/orders")
    tango.fail_next(1, 429, path="/orders")
    await TangoProvider(client).issue(
        order_id="ord_busy", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
    )
    assert len(tango.orders_for("ord_busy")) == 1


async def test_a_steady_429_is_an_uncertain_answer_not_a_refusal(
    tango: FakeTango, client: TangoClient
) -> None:
    tango.fail_next(10, 429)
    with pytest.raises(ProviderError) as caught:
        await TangoProvider(client).issue(
            order_id="ord_429", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
    assert caught.value.retryable is True


async def test_insufficient_funds_is_a_definite_no_that_says_so(
    tango: FakeTango, client: TangoClient
) -> None:
    tango.balance = Decimal(5)
    with pytest.raises(TangoApiError) as caught:
        await TangoProvider(client).issue(
            order_id="ord_poor", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
    assert caught.value.retryable is False and caught.value.kind == "insufficient_funds"
    assert "balance is too low" in str(caught.value) and tango.placed == []


async def test_an_item_out_of_stock_is_a_definite_no(tango: FakeTango, client: TangoClient) -> None:
    tango.out_of_stock.add("U561593")
    with pytest.raises(TangoApiError) as caught:
        await TangoProvider(client).issue(
            order_id="ord_oos", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
    assert caught.value.retryable is False and caught.value.kind == "item_unavailable"


async def test_wrong_credentials_are_a_definite_no_naming_the_settings(tango: FakeTango) -> None:
    client = TangoClient(
        tango.base_url,
        tango.platform_name,
        "wrong-key",
        customer_id=tango.customer_id,
        account_id=tango.account_id,
        retry=FAST,
    )
    try:
        with pytest.raises(TangoApiError) as caught:
            await client.get_account()
    finally:
        await client.close()
    assert caught.value.status == 401 and "TANGO_PLATFORM_KEY" in str(caught.value)
    assert "wrong-key" not in str(caught.value)


async def test_find_says_none_for_an_order_tango_never_placed_and_the_reward_for_one_it_did(
    tango: FakeTango, client: TangoClient
) -> None:
    provider = TangoProvider(client)
    assert (
        await provider.find(
            order_id="ord_never", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
        is None
    )
    placed = await provider.issue(
        order_id="ord_found", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
    )
    assert (
        await provider.find(
            order_id="ord_found", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
        == placed
    )


async def test_the_balance_is_read_from_the_account(tango: FakeTango, client: TangoClient) -> None:
    assert await TangoProvider(client).balances() == [Money(100000, "USD")]


async def test_a_one_call_per_second_limit_is_honoured_by_waiting_not_by_failing(
    tango: FakeTango,
) -> None:
    tango._per_second = 1  # Tango's documented rate: about one call a second
    client = client_for(tango, retry=RetryPolicy(attempts=4, base_delay=0.5, max_delay=1.0))
    try:
        results = await asyncio.gather(client.get_account(), client.get_account())
    finally:
        await client.close()
    assert [r.balance for r in results] == [Decimal("1000.0")] * 2


async def test_out_of_stock_may_be_told_to_the_buyer_but_a_short_balance_may_not(
    tango: FakeTango, client: TangoClient
) -> None:
    tango.out_of_stock.add("U561593")
    with pytest.raises(TangoApiError) as out_of_stock:
        await TangoProvider(client).issue(
            order_id="ord_b1", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
        )
    tango.balance = Decimal(1)
    with pytest.raises(TangoApiError) as short:
        await TangoProvider(client).issue(
            order_id="ord_b2", product=BOOKS, amount=Money(2500, "USD"), today=TODAY
        )
    assert (
        out_of_stock.value.buyer_reason == ProviderError.OUT_OF_STOCK
        and short.value.buyer_reason == ""
    )


async def test_an_unreachable_tango_is_known_to_hold_no_order_but_a_lost_answer_is_not(
    tango: FakeTango,
) -> None:
    closed = TangoClient(
        "http://127.0.0.1:9/raas/v2", "n", "k", customer_id="c", account_id="a", retry=FAST
    )
    slow = client_for(tango, timeout=0.2, retry=RetryPolicy(attempts=1, base_delay=0.0))
    tango.stall_next_order(0.5, after_processing=True)
    try:
        with pytest.raises(TangoApiError) as refused:
            await TangoProvider(closed).issue(
                order_id="ord_down", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
            )
        with pytest.raises(TangoApiError) as lost:
            await TangoProvider(slow).issue(
                order_id="ord_slow", product=BOOKS, amount=Money(1000, "USD"), today=TODAY
            )
    finally:
        await closed.close()
        await slow.close()
    assert refused.value.retryable and refused.value.nothing_placed
    assert lost.value.retryable and not lost.value.nothing_placed


async def test_a_lost_answer_then_a_failed_look_up_is_still_uncertain(tango: FakeTango) -> None:
    client = client_for(tango, timeout=0.2, retry=RetryPolicy(attempts=2, base_delay=0.0))
    tango.stall_next_order(0.5, after_processing=True)
    tango.fail_next(
        3, 429, path="/orders", method="GET"
    )  # the look-up after the lost answer: turned away
    try:
        with pytest.raises(TangoApiError) as caught:
            await client.place_order("ord_unsure", "U561593", Decimal(10))
    finally:
        await client.close()
    assert caught.value.status == 429 and not caught.value.nothing_placed
