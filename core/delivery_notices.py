"""What a queued outbox message says, built at send time from the state of things then (a gift
cancelled since it was queued is never shown; a rendering fix reaches queued messages too)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from core.approval_notices import approval_notice
from core.catalog import Catalog
from core.catalog_source import CatalogSource
from core.collections import CollectionCard
from core.errors import DeliveryError, OrderNotFound, VoucherbotError
from core.gifts import GiftStatus
from core.orders import Order, OrderStatus
from core.outbox import MessageKind, OutboxMessage
from core.peer import shout_out_of
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rewards import RewardStatus
from core.views import (
    GiftDelivery,
    Notice,
    RewardNotice,
    RewardSummary,
    RewardUndeliverable,
    VoucherDelivery,
    receipt_of,
    summary_of,
)
from core.vouchers import Voucher, VoucherStatus

GIFT_KINDS = (MessageKind.GIFT_DELIVERY, MessageKind.GIFT_RECEIPT, MessageKind.GIFT_UNDELIVERABLE)
ORDER_KINDS = (MessageKind.ORDER_UPDATE, MessageKind.VOUCHER_DELIVERY)  # shown from the order alone


class Notices:
    """The neutral notice of each kind of message; the chat sender renders it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        catalog: CatalogSource,
        checkout_url: Callable[[Order], str | None],
    ) -> None:
        self._uow = uow
        self._catalog = catalog
        self._checkout_url = checkout_url

    async def of(self, message: OutboxMessage) -> Notice:
        """The notice `message` carries, from the state of things now."""
        if message.kind in (MessageKind.APPROVAL_REQUEST, MessageKind.APPROVAL_DECIDED):
            async with self._uow() as uow:
                return await approval_notice(uow, message.kind, message.reward_id)
        if message.kind is MessageKind.COLLECTION_CARD:
            async with self._uow() as uow:
                return CollectionCard.of(await uow.collections.get(message.reward_id))
        if message.kind is MessageKind.PEER_SHOUT_OUT:
            async with self._uow() as uow:
                return shout_out_of(await uow.rewards.get(message.reward_id))
        if message.reward_id:
            async with self._uow() as uow:
                reward = await uow.rewards.get(message.reward_id)
                programme = await uow.programmes.get(reward.programme_id)
            if reward.status is RewardStatus.WITHDRAWN:
                raise DeliveryError(f"the gift of order {message.order_id} was cancelled")
            summary = RewardSummary.of(reward, programme.name)
            if message.kind is MessageKind.REWARD_UNDELIVERABLE:
                return RewardUndeliverable(summary, message.last_error or "unreachable")
            return RewardNotice(summary, reminder=message.kind is MessageKind.REWARD_REMINDER)
        if message.kind in GIFT_KINDS:
            return await self._gift(message)
        async with self._uow() as uow:
            return await self._order(uow, self._catalog(), message)

    async def prepare(
        self, batch: list[OutboxMessage]
    ) -> tuple[dict[str, Notice | VoucherbotError], Mapping[str, Order]]:
        """What each order message of a batch shows (an order update, a voucher), read in one unit
        of work with one query for the orders and one for the vouchers; a message that cannot be
        shown keeps its error, raised when its turn comes. Also the orders read, by id."""
        plain = [m for m in batch if m.kind in ORDER_KINDS and m.order_id and not m.reward_id]
        prepared: dict[str, Notice | VoucherbotError] = {}
        if not plain:
            return prepared, {}
        catalog = self._catalog()
        ids = {m.order_id for m in plain}
        voucher_ids = {m.order_id for m in plain if m.kind is MessageKind.VOUCHER_DELIVERY}
        async with self._uow() as uow:
            orders = await uow.orders.get_many(ids)
            vouchers = await uow.vouchers.for_orders(voucher_ids)
        for message in plain:
            try:
                order = orders.get(message.order_id)
                if order is None:
                    raise OrderNotFound(message.order_id)
                prepared[message.id] = self._shown(catalog, message, order, vouchers)
            except VoucherbotError as exc:
                prepared[message.id] = exc
        return prepared, orders

    async def _order(self, uow: UnitOfWork, catalog: Catalog, message: OutboxMessage) -> Notice:
        order = await uow.orders.get(message.order_id)
        vouchers: dict[str, Voucher] = {}
        if message.kind is MessageKind.VOUCHER_DELIVERY:
            voucher = await uow.vouchers.for_order(order.id)
            vouchers = {order.id: voucher} if voucher is not None else {}
        return self._shown(catalog, message, order, vouchers)

    def _shown(
        self,
        catalog: Catalog,
        message: OutboxMessage,
        order: Order,
        vouchers: Mapping[str, Voucher],
    ) -> Notice:
        """What an order message shows: the voucher, or the order at the status it announces."""
        product = catalog.get(order.product_id)
        if message.kind is MessageKind.VOUCHER_DELIVERY:
            voucher = vouchers.get(order.id)
            if voucher is None:
                raise DeliveryError(f"order {order.id} has no voucher to deliver")
            return VoucherDelivery.of(voucher, product)
        status = OrderStatus(message.announces) if message.announces else order.status
        url = self._checkout_url(order) if status is OrderStatus.AWAITING_PAYMENT else None
        return summary_of(order, product, url, status=status)

    async def _gift(self, message: OutboxMessage) -> Notice:
        """Rendered at send time, so a gift cancelled (refunded) since it was queued is never
        shown."""
        async with self._uow() as uow:
            order = await uow.orders.get(message.order_id)
            gift = await uow.gifts.for_order(order.id)
            voucher = await uow.vouchers.for_order(order.id)
        if gift is None:
            raise DeliveryError(f"order {order.id} is not a gift")
        product = self._catalog().get(order.product_id)
        if message.kind is MessageKind.GIFT_RECEIPT:
            return receipt_of(gift, order, product)
        if message.kind is MessageKind.GIFT_UNDELIVERABLE:
            return replace(
                receipt_of(gift, order, product), problem=message.last_error or "unreachable"
            )
        if (
            gift.status is GiftStatus.CANCELLED
            or voucher is None
            or voucher.status is VoucherStatus.VOID
        ):
            raise DeliveryError(f"gift {gift.id} was cancelled or has no voucher to deliver")
        from_name = gift.buyer.name or "A colleague"
        return GiftDelivery(gift.id, from_name, gift.message, VoucherDelivery.of(voucher, product))
