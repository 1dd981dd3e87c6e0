"""Plum catalog sync against the loopback fake: paging, mapping to our products, and what is
skipped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.providers.xoxoday import RetryPolicy, XoxodayCatalogSync, XoxodayClient
from adapters.providers.xoxoday_catalog import Unmappable, to_product
from core.catalog import ExpiryPolicy, ValueRange
from core.errors import ProviderError
from tests.fake_plum import FakePlum, plum_product, sample_products
from tests.fakes import FixedClock, MemoryCatalogStore


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def plum(clock: FixedClock) -> AsyncIterator[FakePlum]:
    async with FakePlum(sample_products(), clock=clock) as fake:
        yield fake


@pytest.fixture
async def client(plum: FakePlum, clock: FixedClock) -> AsyncIterator[XoxodayClient]:
    made = XoxodayClient(
        plum.base_url,
        plum.client_id,
        plum.client_secret,
        "plum-refresh-1",
        clock=clock,
        retry=RetryPolicy(attempts=2, base_delay=0.0),
    )
    yield made
    await made.close()


async def test_sync_pages_through_the_catalog_and_caches_what_can_be_sold(
    plum: FakePlum, client: XoxodayClient, clock: FixedClock
) -> None:
    store = MemoryCatalogStore()

    report = await XoxodayCatalogSync(client, store, clock, page_size=3).sync()

    assert (report.fetched, report.mapped, report.skipped, report.calls) == (7, 5, 2, 3)
    products = {p.id: p for p in await store.load("xoxoday")}
    assert set(products) == {"plum-1001", "plum-1002", "plum-1003", "plum-1004", "plum-1007"}
    assert await store.last_synced("xoxoday") == clock.now()
    assert all(p.provider == "xoxoday" for p in products.values())


async def test_a_catalog_that_fills_its_last_page_ends_on_plums_no_vouchers_answer(
    plum: FakePlum, client: XoxodayClient, clock: FixedClock
) -> None:
    plum.products = plum.products[:4]

    report = await XoxodayCatalogSync(client, MemoryCatalogStore(), clock, page_size=2).sync()

    assert (report.fetched, report.calls) == (4, 3)


async def test_fixed_value_products_map_with_their_denominations_and_texts(plum: FakePlum) -> None:
    books = to_product(plum.products[0])

    assert (books.brand, books.name) == ("Quiet Harbour Books", "Quiet Harbour Books gift card")
    assert books.denominations == (1000, 2500, 5000) and books.value_range is None
    assert (books.currency, books.countries, books.voucher_format) == ("USD", ("US",), "code")
    assert books.description == "Quiet Harbour Books e-gift card."
    assert books.terms == "Not exchangeable for cash."
    assert books.instructions == "Enter the code at checkout."
    assert books.image_url == "https://img.plum.example/1001.png"
    assert books.expiry == ExpiryPolicy(days_after_issue=360)


async def test_open_value_pin_link_and_delayed_products_map_to_their_shapes(plum: FakePlum) -> None:
    tea, cinema, parcel = (to_product(p) for p in plum.products[1:4])

    assert tea.value_range == ValueRange(500, 20000) and tea.denominations == ()
    assert (tea.currency, tea.countries, tea.voucher_format) == ("EUR", ("DE",), "code_pin")
    assert cinema.voucher_format == "url"
    assert parcel.instructions.startswith("This voucher is delivered within 5 business days")


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (
            plum_product(3001, "Mariner Mobile", denominations="10", isPhoneNumberMandatory=True),
            "phone",
        ),
        (plum_product(3002, "Gilded Abacus", "DOLLARS", denominations="10"), "ISO 4217"),
        (plum_product(3003, "Half Cent Bakery", denominations="10.005"), "not an amount"),
        (plum_product(3004, "Empty Range Cafe", min_value=50, max_value=10), "empty"),
        (plum_product(3005, "Mystery Box", valueType="points", denominations=""), "valueType"),
        (plum_product(3006, "", denominations="10"), "no name"),
        ({"name": "No Id"}, "productId"),
    ],
)
def test_products_that_cannot_be_sold_here_are_skipped_with_a_reason(
    item: dict[str, object], reason: str
) -> None:
    with pytest.raises(Unmappable, match=reason):
        to_product(item)


def test_unknown_expiry_texts_and_insecure_images_fall_back_to_safe_defaults() -> None:
    item = plum_product(
        3010,
        "Harbour Lights",
        denominations="10",
        expiryAndValidity="See brand website",
        imageUrl="http://img.plum.example/3010.png",
    )

    product = to_product(item)

    assert product.expiry == ExpiryPolicy() and product.image_url == ""


async def test_a_failed_sync_keeps_the_cached_catalog(
    plum: FakePlum, client: XoxodayClient, clock: FixedClock
) -> None:
    store = MemoryCatalogStore()
    sync = XoxodayCatalogSync(client, store, clock, page_size=3)
    await sync.sync()
    synced_at = clock.now()
    clock.advance(hours=6)
    plum.products.append(plum_product(4001, "Late Arrival", denominations="10"))
    plum.fail_next(2, status=500, operation="getVouchers")

    with pytest.raises(ProviderError) as caught:
        await sync.sync()

    assert caught.value.retryable
    assert await store.last_synced("xoxoday") == synced_at
    assert "plum-4001" not in {p.id for p in await store.load("xoxoday")}


async def test_the_daily_catalog_quota_stops_the_sync_without_retrying(
    plum: FakePlum, client: XoxodayClient, clock: FixedClock
) -> None:
    plum.voucher_call_quota = 1
    store = MemoryCatalogStore()

    with pytest.raises(ProviderError, match="429"):
        await XoxodayCatalogSync(client, store, clock, page_size=3).sync()

    assert plum.calls["getVouchers"] == 2 and await store.last_synced("xoxoday") is None


async def test_a_page_takes_at_most_one_filter(plum: FakePlum, client: XoxodayClient) -> None:
    with pytest.raises(ValueError, match="one filter"):
        await client.get_vouchers(1, 10, {"country": "us", "currencyCode": "USD"})

    page = await client.get_vouchers(1, 10, {"currencyCode": "EUR"})

    assert [p["productId"] for p in page] == [1002]
    assert client.requests["getVouchers"] == 1  # the refused two-filter request never left
