"""Placing an order: check the product and amount, lock a reward's conversion, store the order (once
per request key) and start its payment, by card or wholly by a reward; and cancelling it unpaid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from core.card_checkout import CardCheckout
from core.curation import Curation, NotInProgrammeCatalog
from core.errors import ConcurrentUpdate, DuplicateRequest
from core.funding import hold_reward
from core.fx import Quote, RateUnavailable
from core.gifts import Gift, GiftRequest
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus
from core.shop import Shop
from core.views import OrderSummary


@dataclass(frozen=True)
class PlaceOrder:
    """A buyer asks for one voucher of `product_id` worth `amount`, from a conversation."""

    buyer: ChatUser
    product_id: str
    amount: Money
    conversation: ConversationRef
    request_key: str
    reward_id: str | None = None
    gift: GiftRequest | None = None  # the voucher is for this colleague, not the buyer


class Placing:
    """Creates orders and starts paying them."""

    def __init__(
        self,
        shop: Shop,
        card: CardCheckout,
        curation: Callable[[str], Awaitable[Curation]],
        issue_soon: Callable[[str], Awaitable[None]],
    ) -> None:
        self._shop = shop
        self._card = card
        self._curation = curation
        self._issue_soon = issue_soon

    async def place_order(self, command: PlaceOrder) -> OrderSummary:
        """Create the order and its payment intent. A repeated request key returns the first order,
        marked `repeated`: the request that placed it has shown it already."""
        self._shop.catalog.get(command.product_id).check_amount(command.amount)
        fx = await self._reward_quote(command)
        order, created = await self._create_order(command, fx)
        if order.status is OrderStatus.CREATED and order.card_amount.minor == 0:
            order = await self._pay_with_reward(order.id)
        elif order.status is OrderStatus.CREATED:
            try:
                order = await self._card.start_with(order, source=command.buyer.platform)
            except ConcurrentUpdate:
                # The same request retried (Slack's X-Slack-Retry-Num) while the first was starting
                # the payment: both got the same intent by idempotency key; show what the first
                # stored.
                order = await self._shop.order(order.id)
        return replace(self._shop.summary(order), repeated=not created)

    async def cancel(self, order_id: str, actor: str) -> OrderSummary:
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            order.cancel(at=self._shop.clock.now(), actor=actor)
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
        return self._shop.summary(order)

    async def _reward_quote(self, command: PlaceOrder) -> Quote | None:
        """The conversion to lock when a reward in another currency pays (None in the same
        currency)."""
        if not command.reward_id:
            return None
        async with self._shop.uow() as uow:
            existing = await uow.orders.find_by_request_key(command.request_key)
            if existing is not None:
                return existing.fx  # a retried request: the order and its rate were locked already
            reward = await uow.rewards.get(command.reward_id)
            reward.check_spendable(command.buyer, self._shop.clock.now())
            programme = await uow.programmes.get(reward.programme_id)
        product = self._shop.catalog.get(command.product_id)
        if not (await self._curation(programme.id)).admits(product):
            raise NotInProgrammeCatalog(command.product_id, programme.name)
        if reward.amount.currency == command.amount.currency:
            return None
        if self._shop.rates is None:
            raise RateUnavailable(command.amount.currency, reward.amount.currency)
        currency, margin = reward.amount.currency, programme.fx_margin_bps
        return await self._shop.rates.quote(command.amount, currency, margin)

    async def _create_order(
        self, command: PlaceOrder, fx: Quote | None = None
    ) -> tuple[Order, bool]:
        """The order for this request key and whether this call created it: the stored one, or a new
        one (racing requests share one; only the winner created it)."""
        for _ in range(20):
            async with self._shop.uow() as uow:
                existing = await uow.orders.find_by_request_key(command.request_key)
                if existing is not None:
                    return existing, False
                now = self._shop.clock.now()
                order = Order.create(
                    order_id=self._shop.ids.new_id("ord"),
                    product_id=command.product_id,
                    amount=command.amount,
                    buyer=command.buyer,
                    conversation=command.conversation,
                    request_key=command.request_key,
                    at=now,
                    source=command.buyer.platform,
                )
                if command.reward_id:
                    await hold_reward(uow, order, command.reward_id, now, fx)
                await uow.orders.add(order)
                if command.gift is not None:
                    gift_id = self._shop.ids.new_id("gft")
                    await uow.gifts.add(Gift.for_order(gift_id, order, command.gift, now))
                try:
                    await self._shop.bus.commit(uow, order)
                    return order, True
                except (DuplicateRequest, ConcurrentUpdate):
                    # The same request won elsewhere (found on the next read), or another order
                    # spent from the same reward meanwhile (its balance is read again).
                    continue
        raise ConcurrentUpdate(command.request_key)

    async def _pay_with_reward(self, order_id: str) -> Order:
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            order.pay(at=self._shop.clock.now(), source="reward")
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
        await self._issue_soon(order.id)
        return order
