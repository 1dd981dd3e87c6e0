"""Who issues an order, and through which provider: the claim that moves a paid order to ISSUING
(and records its first route), and the reroutes after a provider said no or could not be reached.
Each is one short unit of work that gives way to any other worker that changed the order since."""

from __future__ import annotations

import logging

from core.errors import ConcurrentUpdate, ProviderError
from core.order_status import ISSUABLE
from core.orders import Order, OrderStatus
from core.shop import Shop

log = logging.getLogger(__name__)


class IssuingClaims:
    """Claims and routes of orders being issued, shared by replicas through the stored order."""

    def __init__(self, shop: Shop) -> None:
        self._shop = shop

    async def claim(self, order_id: str) -> Order | None:
        """Take the order for issuing; the first claim also records its route, so replicas share
        one."""
        claimable = ISSUABLE
        for _ in range(5):
            try:
                async with self._shop.uow() as uow:
                    order = await uow.orders.get(order_id)
                    if order.status not in claimable or self._being_issued(order):
                        return None
                    self.take(order)
                    await uow.orders.save(order)
                    await self._shop.bus.commit(uow, order)
                    return order
            except ConcurrentUpdate:
                # Another worker claimed it (it is ISSUING now), or a payment event touched the
                # order (a duplicate payment noted): only a still PAID order is claimed on the next
                # try.
                claimable = frozenset({OrderStatus.PAID})
        return None

    def take(self, order: Order) -> None:
        """Move a claimable order to ISSUING in the caller's unit of work; the first claim also
        records its route, so replicas share one."""
        order.start_issuing(at=self._shop.clock.now())
        if not order.provider:
            plan = self._shop.router.plan(order.product_id, order.amount)
            if plan:
                order.route_to(plan[0].provider, plan[0].reason)

    def _being_issued(self, order: Order) -> bool:
        """Another worker claimed the order moments ago and may be waiting on its provider: leave
        it.

        Only a claim older than `stuck_after` is taken over (recovery); an admin's retry is not a
        claim.
        """
        last = order.history[-1] if order.history else None
        return (
            order.status is OrderStatus.ISSUING
            and last is not None
            and last.source == "system"
            and last.after is OrderStatus.ISSUING
            and self._shop.clock.now() - last.at < self._shop.stuck_after
        )

    async def reroute(self, order: Order, why: str) -> Order | None:
        """Move the order to its next untried provider; None when none is left or another worker
        owns it."""
        tried = {*order.route_tried, order.provider}
        plan = self._shop.router.plan(order.product_id, order.amount, exclude=tried)
        if not plan:
            extra = {"order_id": order.id, "tried": sorted(tried)}
            log.warning("no provider left for the order", extra=extra)
            return None
        reason = f"fallback after {why}: {plan[0].reason}"
        return await self._save_route(order, plan[0].provider, reason)

    async def around_unreachable(
        self, order: Order, exc: ProviderError, seen: set[str]
    ) -> Order | None:
        """The provider was not reached, so it holds nothing: the next provider may serve the order
        now."""
        name = order.provider
        exclude = {*order.route_tried, *seen}
        plan = self._shop.router.plan(order.product_id, order.amount, exclude=exclude)
        if not plan:
            return None
        reason = f"fallback after {name} could not be reached ({exc}): {plan[0].reason}"
        return await self._save_route(order, plan[0].provider, reason, refused=False)

    async def after_lost_answer(self, order: Order, seen: set[str]) -> Order | None:
        """The provider holds no order under our reference: another provider may try, else the same
        again."""
        name = order.provider
        exclude = {*order.route_tried, *seen}
        plan = self._shop.router.plan(order.product_id, order.amount, exclude=exclude)
        if plan:
            # Not a refusal: the provider may serve the order again if the next one says no.
            reason = (
                f"fallback after {name} gave no answer and holds no such order: {plan[0].reason}"
            )
            return await self._save_route(order, plan[0].provider, reason, refused=False)
        return await self._save_route(order, name, order.route_reason, refused=False)

    async def _save_route(
        self, order: Order, provider: str, reason: str, *, refused: bool = True
    ) -> Order | None:
        try:
            async with self._shop.uow() as uow:
                current = await uow.orders.get(order.id)
                if current.status is not OrderStatus.ISSUING or _route_of(current) != _route_of(
                    order
                ):
                    return None  # another worker rerouted the order since: it decides from here
                current.route_to(provider, reason, refused=refused)
                await uow.orders.save(current)
                await self._shop.bus.commit(uow, current)
                return current
        except ConcurrentUpdate:
            return None

    async def mark_uncertain(self, order: Order) -> None:
        try:
            async with self._shop.uow() as uow:
                current = await uow.orders.get(order.id)
                if _route_of(current) != _route_of(order):
                    return
                current.route_uncertain = True
                await uow.orders.save(current)
                await uow.commit()
        except ConcurrentUpdate:
            pass  # another worker claimed it and will look the order up itself

    async def still_routed_to(self, order_id: str, provider: str) -> bool:
        current = await self._shop.order(order_id)
        return current.status is OrderStatus.ISSUING and current.provider == provider


def _route_of(order: Order) -> tuple[str, tuple[str, ...], bool]:
    return order.provider, order.route_tried, order.route_uncertain
