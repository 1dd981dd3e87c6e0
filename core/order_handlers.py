"""What follows from each order event, inside the transaction that recorded it: the audit entry, the
reward's budget, the voucher voided, and the messages queued for the buyer (or a gift's recipient).

`OrderBus.commit(uow, order)` runs these for the events the order recorded since it was loaded, then
commits: an event is handled exactly when its state change is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core import order_events as ev
from core.audit import AuditRecord
from core.choice_gifts import refunded_unsent
from core.funded_products import funded_kind
from core.funding import release_reward, restore_reward, settle_reward
from core.gifts import gift_messages
from core.orders import Order
from core.outbox import MessageKind, OutboxMessage
from core.ports import Clock, IdFactory, RandomIds, UnitOfWork
from core.vouchers import VoucherStatus


@dataclass(frozen=True)
class Context:
    """What a handler may use: the open unit of work, ids and the time."""

    uow: UnitOfWork
    ids: IdFactory
    clock: Clock


Handler = Callable[[Any, Order, Context], Awaitable[None]]


async def audit_transition(event: ev.Transition, order: Order, ctx: Context) -> None:
    def snapshot(status: object) -> dict[str, str]:
        return {"status": str(status), "amount": event.amount}

    before = None if event.before is None else snapshot(event.before)
    action = f"order.{event.after}"
    ctx.uow.audit.record(AuditRecord(event.actor, action, order.id, before, snapshot(event.after)))


async def audit_delivery(event: ev.OrderDelivered, order: Order, ctx: Context) -> None:
    before, after = {"status": str(event.before)}, {"status": str(event.after)}
    ctx.uow.audit.record(AuditRecord(event.actor, "order.delivered", order.id, before, after))


async def audit_settled(event: ev.OrderSettledInKind, order: Order, ctx: Context) -> None:
    before, after = {"status": str(event.before)}, {"status": str(event.after)}
    action = f"order.{event.what}"
    ctx.uow.audit.record(AuditRecord(event.actor, action, order.id, before, after))


async def audit_route(event: ev.OrderRouted, order: Order, ctx: Context) -> None:
    before = None if event.previous is None else {"provider": event.previous}
    after = {"provider": event.provider, "reason": event.reason}
    ctx.uow.audit.record(AuditRecord(event.actor, "order.routed", order.id, before, after))


async def audit_voucher(event: ev.VoucherIssued, order: Order, ctx: Context) -> None:
    facts = {"voucher": event.masked_code}
    ctx.uow.audit.record(AuditRecord(event.actor, "voucher.issued", order.id, None, facts))


async def audit_delay(event: ev.IssuanceDelayed, order: Order, ctx: Context) -> None:
    facts = {"error": event.error}
    ctx.uow.audit.record(AuditRecord(event.actor, "voucher.issue_retry", order.id, None, facts))


async def audit_duplicate(event: ev.DuplicatePaymentTaken, order: Order, ctx: Context) -> None:
    facts = {"payment_intent": event.intent_id, "amount": event.amount}
    ctx.uow.audit.record(AuditRecord(event.actor, "payment.duplicate", order.id, None, facts))


async def audit_duplicate_refund(
    event: ev.DuplicatePaymentRefunded, order: Order, ctx: Context
) -> None:
    facts = {"payment_intent": event.intent_id, "amount": event.amount}
    action = "payment.duplicate_refunded"
    ctx.uow.audit.record(AuditRecord(event.actor, action, order.id, None, facts))


async def settle(event: ev.OrderPaid, order: Order, ctx: Context) -> None:
    await settle_reward(ctx.uow, order, ctx.ids, ctx.clock.now())


async def release(event: ev.Transition, order: Order, ctx: Context) -> None:
    await release_reward(ctx.uow, order)


async def restore(event: ev.OrderRefunded, order: Order, ctx: Context) -> None:
    await restore_reward(ctx.uow, order, ctx.ids, ctx.clock.now())


async def withdraw_unsent_gift(event: ev.OrderRefunded, order: Order, ctx: Context) -> None:
    if funded_kind(order.product_id) == "choice":
        await refunded_unsent(ctx.uow, ctx.ids, order.id, ctx.clock.now(), event.actor)


async def void_voucher(event: ev.OrderRefunded, order: Order, ctx: Context) -> None:
    voucher = await ctx.uow.vouchers.for_order(order.id)
    if voucher is None or voucher.status is not VoucherStatus.ACTIVE:
        return
    voucher.void()
    await ctx.uow.vouchers.save(voucher)
    facts = {"voucher": voucher.masked_code}
    ctx.uow.audit.record(AuditRecord(event.actor, "voucher.voided", order.id, facts))


async def queue_update(event: ev.OrderEvent, order: Order, ctx: Context) -> None:
    """The buyer's order message shows the new status. The key makes a repeated status a no-op; a
    retried payment is a new attempt."""
    suffix = f"{order.status}:{order.payment_attempts}"
    kind = MessageKind.ORDER_UPDATE
    await ctx.uow.outbox.add(message(order, kind, suffix, ctx, announces=str(order.status)))


async def queue_failure(event: ev.OrderFailed, order: Order, ctx: Context) -> None:
    if event.announced:  # a failure met while the buyer waits is shown in the answer they get
        await queue_update(event, order, ctx)


async def queue_voucher(event: ev.VoucherIssued, order: Order, ctx: Context) -> None:
    """The voucher goes to the buyer; a gift's to its recipient, with a receipt for the buyer."""
    gift = await ctx.uow.gifts.for_order(order.id)
    if gift is None:
        await ctx.uow.outbox.add(message(order, MessageKind.VOUCHER_DELIVERY, "voucher", ctx))
        return
    ids, now = ctx.ids, ctx.clock.now()
    for queued in gift_messages(gift, order, ids.new_id("msg"), ids.new_id("msg"), now):
        await ctx.uow.outbox.add(queued)


def message(
    order: Order, kind: MessageKind, suffix: str, ctx: Context, announces: str = ""
) -> OutboxMessage:
    now = ctx.clock.now()
    return OutboxMessage(
        id=ctx.ids.new_id("msg"),
        key=f"{order.id}:{kind}:{suffix}",
        kind=kind,
        order_id=order.id,
        conversation=order.conversation,
        created_at=now,
        next_attempt_at=now,
        announces=announces,
    )


# In order: the audit entry first, then the money, then what the buyer is told.
HANDLERS: Mapping[type[ev.OrderEvent], tuple[Handler, ...]] = {
    ev.OrderCreated: (audit_transition,),
    ev.PaymentAwaited: (audit_transition,),
    ev.OrderPaid: (audit_transition, settle, queue_update),
    ev.OrderFailed: (audit_transition, queue_failure),
    ev.OrderCancelled: (audit_transition, release, queue_update),
    ev.OrderExpired: (audit_transition, release, queue_update),
    ev.IssuanceStarted: (audit_transition,),
    ev.OrderRouted: (audit_route,),
    ev.IssuanceDelayed: (audit_delay, queue_update),
    ev.VoucherIssued: (audit_transition, audit_voucher, queue_voucher, queue_update),
    ev.OrderDelivered: (audit_delivery,),
    ev.OrderSettledInKind: (audit_settled,),
    ev.OrderRefunded: (audit_transition, restore, withdraw_unsent_gift, void_voucher, queue_update),
    ev.DuplicatePaymentTaken: (audit_duplicate,),
    ev.DuplicatePaymentRefunded: (audit_duplicate_refund,),
}


class OrderBus:
    """Hands each event an order recorded to its handlers, in the unit of work that changed the
    order."""

    def __init__(self, clock: Clock, ids: IdFactory | None = None) -> None:
        self._clock = clock
        self._ids = ids or RandomIds()  # only message and ledger ids are drawn from it

    def context(self, uow: UnitOfWork) -> Context:
        return Context(uow, self._ids, self._clock)

    async def publish(self, uow: UnitOfWork, *orders: Order) -> None:
        ctx = self.context(uow)
        for order in orders:
            for event in order.pop_events():
                for handler in HANDLERS[type(event)]:
                    await handler(event, order, ctx)

    async def commit(self, uow: UnitOfWork, *orders: Order) -> None:
        """Handle the orders' new events, then commit them all together."""
        await self.publish(uow, *orders)
        await uow.commit()
