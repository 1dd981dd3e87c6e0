"""Issuing a paid order's voucher: ask its routed provider, store the voucher it gives, and when it
says no, move on to the next provider of the route; an order no provider will serve fails and is
refunded."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from core.errors import ProviderError, UnknownProduct
from core.funded_products import funded_kind
from core.issued_vouchers import IssuedVouchers
from core.issuing_claims import IssuingClaims
from core.orders import Order
from core.refunds import Refunds
from core.shop import Shop

log = logging.getLogger(__name__)


class Issuance:
    """One pass of asking providers for an order's voucher (a worker's, recovery's or an
    admin's)."""

    def __init__(self, shop: Shop, refunds: Refunds) -> None:
        self._shop = shop
        self._refunds = refunds
        self.claims = IssuingClaims(shop)
        self.vouchers = IssuedVouchers(shop)

    async def issue_soon(self, order_id: str) -> None:
        await self._soon(self.issue_voucher(order_id))

    def claim_paid(self, order: Order) -> bool:
        """Claim an order the caller has just paid, in the caller's unit of work (the payment's
        transaction, one fewer per checkout); then `issue_claimed_soon` after its commit. False,
        and nothing done, for an order a reward absorbs (a group-gift contribution, a "their
        choice" gift): `issue_soon` deals with those."""
        if self._shop.absorb is not None and funded_kind(order.product_id):
            return False
        self.claims.take(order)
        return True

    async def issue_claimed_soon(self, order: Order) -> None:
        """Ask the provider for an order claimed by `claim_paid` (and committed)."""
        await self._soon(self._issue(order))

    async def _soon(self, work: Coroutine[Any, Any, None]) -> None:
        if self._shop.background is not None:
            # A provider may take minutes (Plum: up to 120 s); the payment notification must not
            # wait.
            self._shop.background(work)
        else:
            await work

    async def issue_voucher(self, order_id: str) -> None:
        """Claim the paid order, route it, ask its provider for a voucher and store it with its
        message.

        A definite no from a provider (out of stock, no funds, brand unavailable) moves the order on
        to the next provider of its route; an uncertain answer (a timeout) never does until that
        provider, asked by the order's reference, says it holds no such order.
        """
        if self._shop.absorb is not None and await self._shop.absorb(order_id):
            return
        await self._issue(await self.claims.claim(order_id))

    async def _issue(self, claimed: Order | None) -> None:
        order = claimed
        seen: set[str] = set()  # providers asked in this pass: an outage of all of them ends it
        while order is not None:
            if not order.provider:
                nobody = "no provider offers this product at this amount"
                await self.failed(order.id, ProviderError(nobody, retryable=False))
                return
            order = await self._attempt(order, seen)

    async def _attempt(self, order: Order, seen: set[str]) -> Order | None:
        """One provider call; returns the order when it was rerouted and should be tried again."""
        name = order.provider
        seen.add(name)
        try:
            product = self._shop.router.offer(order.product_id, name)
            provider = self._shop.providers[name]
        except (UnknownProduct, KeyError):
            return await self._offer_gone(order)
        today = self._shop.clock.now().date()
        try:
            if order.route_uncertain:
                found = await provider.find(
                    order_id=order.id, product=product, amount=order.amount, today=today
                )
                if found is None:
                    return await self.claims.after_lost_answer(order, seen)
                issued = found
            else:
                issued = await provider.issue(
                    order_id=order.id, product=product, amount=order.amount, today=today
                )
        except ProviderError as exc:
            self._record_outcome(name, ok=False)
            return await self._after_refusal(order, exc, seen)
        self._record_outcome(name, ok=True)
        await self.vouchers.keep(order, product, issued)
        return None

    async def _after_refusal(
        self, order: Order, exc: ProviderError, seen: set[str]
    ) -> Order | None:
        name = order.provider
        if exc.retryable and exc.nothing_placed:
            rerouted = await self.claims.around_unreachable(order, exc, seen)
            if rerouted is None:
                await self.failed(order.id, exc)  # no one else: recovery asks it again
            return rerouted
        if exc.retryable:
            await self.claims.mark_uncertain(order)
            await self.failed(order.id, exc)
            return None
        rerouted = await self.claims.reroute(order, f"{name} said no ({exc})")
        if rerouted is None and await self.claims.still_routed_to(order.id, name):
            await self.failed(order.id, exc)
        return rerouted

    async def _offer_gone(self, order: Order) -> Order | None:
        """The routed provider's offer left its catalog (a sync) or the provider was
        unconfigured."""
        name = order.provider
        if order.route_uncertain:
            # The provider may hold the order; without its offer we cannot ask it, nor buy elsewhere
            # safely.
            log.error(
                "a provider offer is gone while its order's fate is unknown; an operator must look",
                extra={"order_id": order.id, "provider": name},
            )
            return None
        rerouted = await self.claims.reroute(order, f"{name} no longer offers this product")
        if rerouted is None and await self.claims.still_routed_to(order.id, name):
            gone = ProviderError(f"{name} no longer offers this product", retryable=False)
            await self.failed(order.id, gone)
        return rerouted

    async def failed(self, order_id: str, exc: ProviderError) -> None:
        """A retryable failure leaves the order to recovery; any other fails and refunds it."""
        extra = {"order_id": order_id, "retryable": exc.retryable}
        log.warning("voucher issuance failed", extra=extra)
        async with self._shop.uow() as uow:
            order = await uow.orders.get(order_id)
            if exc.retryable:
                order.delay_issuance(str(exc))  # "on its way", once: the message key repeats
                await self._shop.bus.commit(uow, order)
                return
            order.fail_issuance(str(exc), at=self._shop.clock.now(), buyer_code=exc.buyer_reason)
            await uow.orders.save(order)
            await self._shop.bus.commit(uow, order)
        await self._refunds.refund(order_id, "system")

    def _record_outcome(self, provider: str, *, ok: bool) -> None:
        if self._shop.health is not None:
            self._shop.health.record(provider, ok=ok, at=self._shop.clock.now())
