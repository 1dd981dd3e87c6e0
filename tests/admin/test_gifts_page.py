"""The dashboard's Gifts page: who gave what to whom, when it is due, its payment, refund and
delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from core.checkout import PlaceOrder
from core.funded import Funded
from core.gifting import Gifts
from core.gifts import GiftRequest
from core.identity import ConversationRef
from core.money import Money
from core.ports import RandomIds
from tests.admin.conftest import ADA, ADMIN_EMAIL, ADMIN_PASSWORD, BOOKS, GRACE, KATHERINE, Console


async def gift(console: Console, key: str, deliver_in: timedelta | None = None) -> str:
    to_grace = ConversationRef("teams", '{"user": "29:1grace"}')
    at = console.clock.now() + deliver_in if deliver_in else None
    order = await console.checkout.place_order(
        replace(
            _order(console, key),
            gift=GiftRequest(GRACE, to_grace, "For the launch", at),
        )
    )
    await console.pay_by_card(order.order_id)  # through localstripe: a refund needs a real charge
    return order.order_id


def _order(console: Console, key: str) -> PlaceOrder:
    where = ConversationRef("slack", '{"user": "U0ADA"}')
    return PlaceOrder(ADA, BOOKS.id, Money(2500, BOOKS.currency), where, key)


async def test_the_gifts_page_lists_delivered_scheduled_and_cancelled_gifts_without_any_code(
    console: Console,
) -> None:
    delivered = await gift(console, "g-now")
    await console.relay.run_once()
    scheduled = await gift(console, "g-later", timedelta(days=5))
    cancelled = await gift(console, "g-cancel", timedelta(days=9))
    gifts = Gifts(uow=console.database.unit_of_work, checkout=console.checkout, clock=console.clock)
    async with console.database.unit_of_work() as uow:
        gift_id = (await uow.gifts.for_order(cancelled)).id  # type: ignore[union-attr]
    await gifts.cancel(gift_id, ADA)
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/gifts")

    assert status == 200
    for order_id in (delivered, scheduled, cancelled):
        assert f"/admin/orders/{order_id}" in html
        assert await console.voucher_code(order_id) not in html
    assert "Delivered" in html and "Scheduled for" in html and "Cancelled" in html
    assert "Grace Hopper" in html and "Ada Lovelace" in html and "Refunded" in html
    assert KATHERINE.name not in html


async def test_a_scheduled_their_choice_gift_shows_its_notice_as_its_delivery(
    console: Console,
) -> None:
    funded = Funded(
        uow=console.database.unit_of_work,
        ids=RandomIds(),
        clock=console.clock,
        refund=console.checkout.refund,
    )
    console.checkout.absorb = funded.absorb
    to_grace = ConversationRef("teams", '{"user": "29:1grace"}')
    at = console.clock.now() + timedelta(days=3)
    order = await console.checkout.place_order(
        replace(
            _order(console, "g-choice"),
            product_id="choice:USD",
            amount=Money(3000, "USD"),
            gift=GiftRequest(GRACE, to_grace, "Pick one", at),
        )
    )
    await console.pay_by_card(order.order_id)
    browser = await console.client(ADMIN_EMAIL, ADMIN_PASSWORD)

    status, html = await browser.get("/admin/gifts")

    assert status == 200 and f"/admin/orders/{order.order_id}" in html
    assert "Scheduled for" in html and "not queued" not in html  # its reward notice, waiting
