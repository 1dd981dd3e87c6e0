"""Funded rewards: paid orders of a pseudo-product (core.funded_products.funded_product) that issue
no voucher.

A group-gift contribution is counted into its collection (or refunded if it arrived after the
close); a "their choice" gift becomes a reward for its recipient, funded by the buyer's card, spent
in the catalog like any reward (the "Choose your voucher" flow). The checkout calls `absorb` before
issuing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.audit import AuditRecord
from core.choice_gifts import choice_key
from core.collections import Collection
from core.errors import (
    ConcurrentUpdate,
    DuplicateRequest,
    InvalidTransition,
    NotFound,
    OrderNotPayable,
    ProgrammeNotFound,
)
from core.funded_products import funded_kind
from core.gifts import GiftStatus
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.order_handlers import OrderBus
from core.orders import Order, OrderStatus
from core.outbox import MessageKind, OutboxMessage
from core.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.rewards import LedgerEntry, LedgerKind, Programme, Reward, RewardStatus

log = logging.getLogger(__name__)
Refund = Callable[[str, str], Awaitable[object]]  # Checkout.refund(order id, actor)
GIFT_EXPIRY_DAYS = 365
RETRIES = 20


def programme_id_for(currency: str) -> str:
    return f"gifts-{currency.lower()}"


async def gifts_programme(uow: UnitOfWork, currency: str) -> Programme:
    """The per-currency programme that holds money colleagues paid for one another (made on first
    use)."""
    try:
        return await uow.programmes.get(programme_id_for(currency))
    except ProgrammeNotFound:
        programme = Programme(
            programme_id_for(currency), f"Gifts ({currency})", currency, GIFT_EXPIRY_DAYS
        )
        await uow.programmes.add(programme)
        return programme


async def fund_reward(
    uow: UnitOfWork,
    ids: IdFactory,
    now: datetime,
    *,
    giver: ChatUser,
    recipient: ChatUser,
    conversation: ConversationRef,
    amount: Money,
    reason: str,
    key: str,
    order_id: str = "",
    due: datetime | None = None,
) -> Reward:
    """Credit the gifts programme with money already paid, and reserve it at once as a reward (the
    budget nets to zero: nobody else can spend it), announced to the recipient by the outbox.

    A gift's reward (`order_id`: the gift's order) delivered at a set time `due` stays scheduled,
    out of its recipient's sight, until its notice is sent then (core.choice_gifts.announce)."""
    found = await uow.rewards.find_by_request_key(key)
    if found is not None:
        return found
    programme = await gifts_programme(uow, amount.currency)
    start = now if due is None else max(due, now)
    reward = Reward(
        id=ids.new_id("rwd"),
        programme_id=programme.id,
        giver=giver,
        recipient=recipient,
        conversation=conversation,
        amount=amount,
        reason=reason,
        created_at=now,
        expires_at=start + timedelta(days=programme.expiry_days),
        request_key=key,
        status=RewardStatus.SENT if due is None else RewardStatus.SCHEDULED,
    )
    await uow.rewards.add(reward)
    for kind in (LedgerKind.CREDIT, LedgerKind.RESERVE):
        entry = LedgerEntry(
            ids.new_id("led"), programme.id, kind, amount.minor, now, "system", reward.id, note=key
        )
        await uow.ledger.add(entry)
    await uow.programmes.save(programme)
    await uow.outbox.add(
        OutboxMessage(
            id=ids.new_id("msg"),
            key=f"{reward.id}:{MessageKind.REWARD_NOTICE}",
            kind=MessageKind.REWARD_NOTICE,
            order_id=order_id,
            reward_id=reward.id,
            conversation=conversation,
            created_at=start,  # as a scheduled gift's: its age counts from when it may be sent
            next_attempt_at=start,
        )
    )
    facts = {"to": recipient.key, "minor": amount.minor, "programme": programme.id, "key": key}
    uow.audit.record(AuditRecord("system", "reward.funded", reward.id, None, facts))
    return reward


def card_update(collection: Collection, ids: IdFactory, now: datetime) -> OutboxMessage | None:
    """The channel card drawn again (at send time, from the collection as it is then)."""
    if collection.card is None:
        return None
    return OutboxMessage(
        id=ids.new_id("msg"),
        key=f"{collection.id}:{MessageKind.COLLECTION_CARD}:{collection.version}",
        kind=MessageKind.COLLECTION_CARD,
        order_id="",
        reward_id=collection.id,  # the subject id: a collection's, as for approvals
        conversation=collection.card,
        created_at=now,
        next_attempt_at=now,
    )


async def settle_order(
    bus: OrderBus, uow: UnitOfWork, order: Order, now: datetime, what: str
) -> None:
    """A funded order's goods are delivered in kind (counted, or a reward): it leaves PAID, so crash
    recovery never tries to issue it a voucher (audited at once, as `order.<what>`)."""
    order.settle_in_kind(what, at=now)
    await bus.publish(uow, order)


class Funded:
    """What a paid funded order becomes; `absorb` answers False for an order of a real product."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, ids: IdFactory, clock: Clock, refund: Refund
    ) -> None:
        self._uow = uow
        self._ids = ids
        self._clock = clock
        self._refund = refund
        self._bus = OrderBus(clock, ids)

    async def absorb(self, order_id: str) -> bool:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        kind = funded_kind(order.product_id)
        if not kind:
            return False
        if order.status not in (OrderStatus.PAID, OrderStatus.ISSUING):
            return True  # absorbed already (or never paid): a funded order never gets a voucher
        for _ in range(RETRIES):
            try:
                keep = await (self._count(order_id) if kind == "group" else self._choice(order_id))
                break
            except (ConcurrentUpdate, DuplicateRequest):
                continue  # a chip-in, a close or another webhook touched it: read again
        else:
            raise ConcurrentUpdate(order_id)
        if not keep:
            await self.give_back(order_id)
        return True

    async def give_back(self, order_id: str) -> None:
        """Refund a contribution (late, or its collection expired) and note it on the collection.
        Another replica refunding it at the same moment wins: its refund stands, noted here once."""
        if not await self._is_refunded(order_id):
            try:
                await self._refund(order_id, "system")
            except (ConcurrentUpdate, InvalidTransition, OrderNotPayable):
                if not await self._is_refunded(order_id):
                    raise
        for _ in range(RETRIES):
            try:
                async with self._uow() as uow:
                    order = await uow.orders.get(order_id)
                    collection = await uow.collections.get(_collection_id(order.product_id))
                    collection.refunded(order_id)
                    await uow.collections.save(collection)
                    await _add(uow, card_update(collection, self._ids, self._clock.now()))
                    await uow.commit()
                return
            except ConcurrentUpdate:
                continue

    async def _is_refunded(self, order_id: str) -> bool:
        async with self._uow() as uow:
            return (await uow.orders.get(order_id)).status is OrderStatus.REFUNDED

    async def _count(self, order_id: str) -> bool:
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if order.status not in (OrderStatus.PAID, OrderStatus.ISSUING):
                return True
            try:
                collection = await uow.collections.get(_collection_id(order.product_id))
            except NotFound:
                log.warning("a contribution to no collection", extra={"order_id": order_id})
                return False
            counted = collection.count(order.id, order.buyer, order.amount, now)
            if counted:
                await settle_order(self._bus, uow, order, now, "contribution_counted")
                await uow.orders.save(order)
            else:
                facts = {"collection": collection.id, "status": str(collection.status)}
                uow.audit.record(AuditRecord("system", "contribution.late", order.id, None, facts))
            await uow.collections.save(collection)  # its version orders this against a close
            await _add(uow, card_update(collection, self._ids, now))
            await uow.commit()
        return counted

    async def _choice(self, order_id: str) -> bool:
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if order.status not in (OrderStatus.PAID, OrderStatus.ISSUING):
                return True
            gift = await uow.gifts.for_order(order.id)
            if gift is None:
                log.warning("a their-choice order without a gift", extra={"order_id": order_id})
                return False
            if gift.status is GiftStatus.CANCELLED:
                return True  # its buyer called it back as it was paid: core.gifting refunds it
            await fund_reward(
                uow,
                self._ids,
                now,
                giver=gift.buyer,
                recipient=gift.recipient,
                conversation=gift.recipient_conversation,
                amount=order.amount,
                reason=gift.message,
                key=choice_key(order.id),
                order_id=order.id,
                due=gift.deliver_at,
            )
            await settle_order(self._bus, uow, order, now, "gift_funded")
            await uow.orders.save(order)
            if not gift.scheduled:
                gift.delivered(now)
            await uow.gifts.save(gift)  # its version orders this against a cancel
            await uow.outbox.add(
                OutboxMessage(
                    id=self._ids.new_id("msg"),
                    key=f"{order.id}:{MessageKind.GIFT_RECEIPT}",
                    kind=MessageKind.GIFT_RECEIPT,
                    order_id=order.id,
                    conversation=order.conversation,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            await uow.commit()
        return True


def _collection_id(product_id: str) -> str:
    return product_id.split(":", 2)[2]


async def _add(uow: UnitOfWork, message: OutboxMessage | None) -> None:
    if message is not None:
        await uow.outbox.add(message)
