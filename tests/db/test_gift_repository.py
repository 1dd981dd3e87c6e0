"""Gifts on SQLite and PostgreSQL: one per order, found by order and by person, saved with a
version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import ConcurrentUpdate, DuplicateRequest
from core.gifts import Gift, GiftRequest, GiftStatus
from core.identity import ConversationRef
from tests.db.conftest import ADA, GRACE, Backend, new_order

GRACE_CHAT = ConversationRef("teams", '{"user": "29:1grace"}')


async def stored_gift(backend: Backend, order_id: str, gift_id: str) -> Gift:
    order = new_order(order_id, at=backend.clock.now())
    due = backend.clock.now() + timedelta(days=2)
    gift = Gift.for_order(
        gift_id, order, GiftRequest(GRACE, GRACE_CHAT, "Bon voyage", due), backend.clock.now()
    )
    async with backend.database.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.gifts.add(gift)
        await uow.commit()
    return gift


async def test_a_gift_round_trips_and_is_found_by_order_buyer_and_recipient(
    backend: Backend,
) -> None:
    gift = await stored_gift(backend, "ord_gift_1", "gft_1")

    async with backend.database.unit_of_work() as uow:
        by_order = await uow.gifts.for_order("ord_gift_1")
        by_id = await uow.gifts.get("gft_1")
        sent = await uow.gifts.list_for_buyer(ADA.key)
        received = await uow.gifts.list_for_recipient(GRACE.key)

    assert by_order == by_id and by_id.recipient == GRACE and by_id.message == "Bon voyage"
    assert by_id.deliver_at == gift.deliver_at and by_id.version == 1
    assert [g.id for g in sent] == [g.id for g in received] == ["gft_1"]


async def test_a_second_gift_for_the_same_order_is_refused(backend: Backend) -> None:
    gift = await stored_gift(backend, "ord_gift_2", "gft_2")
    async with backend.database.unit_of_work() as uow:
        order = await uow.orders.get("ord_gift_2")
        await uow.gifts.add(
            Gift.for_order("gft_other", order, GiftRequest(GRACE, GRACE_CHAT), gift.created_at)
        )
        with pytest.raises(DuplicateRequest):
            await uow.commit()


async def test_a_cancel_and_a_delivery_racing_on_one_gift_cannot_both_win(backend: Backend) -> None:
    await stored_gift(backend, "ord_gift_3", "gft_3")
    async with backend.database.unit_of_work() as first, backend.database.unit_of_work() as second:
        cancelling = await first.gifts.get("gft_3")
        delivering = await second.gifts.get("gft_3")
        cancelling.cancel(backend.clock.now())
        await first.gifts.save(cancelling)
        await first.commit()
        delivering.delivered(backend.clock.now())
        await second.gifts.save(delivering)
        with pytest.raises(ConcurrentUpdate):
            await second.commit()

    async with backend.database.unit_of_work() as uow:
        assert (await uow.gifts.get("gft_3")).status is GiftStatus.CANCELLED
