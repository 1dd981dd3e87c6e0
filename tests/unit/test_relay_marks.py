"""The relay marks what it sent with the orders it read before sending; a change since is noticed."""

from __future__ import annotations

from core.identity import ConversationRef
from core.orders import OrderStatus
from core.outbox import MessageKind, MessageStatus
from core.views import Notice, VoucherDelivery
from tests.fakes import MemoryUnitOfWork
from tests.unit.conftest import World
from tests.unit.test_checkout import succeeded


async def test_an_order_saved_while_its_voucher_was_sent_is_delivered_from_a_fresh_read(
    world: World,
) -> None:
    summary = await world.checkout.place_order(world.order_for())
    await world.checkout.handle_payment_event(succeeded(world, summary.order_id))
    send = world.sender.send

    async def send_while_someone_saves_the_order(to: ConversationRef, notice: Notice) -> None:
        if isinstance(notice, VoucherDelivery):  # the order read before sending is now stale
            async with MemoryUnitOfWork(world.store, world.clock) as uow:
                order = await uow.orders.get(summary.order_id)
                order.route_to("builtin", "an admin looked at it", refused=False)
                await uow.orders.save(order)
                await uow.commit()
        await send(to, notice)

    world.sender.send = send_while_someone_saves_the_order  # type: ignore[method-assign]
    results = await world.relay.run_once()

    assert {r.outcome for r in results} == {"sent"}
    order = world.store.orders[summary.order_id]
    assert order.status is OrderStatus.DELIVERED and order.route_reason == "an admin looked at it"
    deliveries = [n for _, n in world.sender.sent if isinstance(n, VoucherDelivery)]
    assert len(deliveries) == 1
    voucher = next(m for m in world.store.outbox.values() if m.kind is MessageKind.VOUCHER_DELIVERY)
    assert voucher.status is MessageStatus.SENT and voucher.attempts == 1
    delivered = [e for e in world.store.audit if e.action == "order.delivered"]
    assert [e.subject for e in delivered] == [summary.order_id]
