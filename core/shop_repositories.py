"""Where the shop keeps its orders, vouchers, gifts, group collections and synced catalogs."""

from __future__ import annotations

from collections.abc import Collection as Many
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from core.catalog import Product
from core.collections import Collection
from core.gifts import Gift
from core.orders import Order, OrderStatus
from core.vouchers import Voucher


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None:
        """Store a new order; DuplicateRequest (at the latest on commit) if its request key
        exists."""

    async def get(self, order_id: str) -> Order:
        """The order, or OrderNotFound."""

    async def get_many(self, order_ids: Many[str]) -> Mapping[str, Order]:
        """The orders found among `order_ids`, by id, read together (an id not found is left
        out)."""

    async def save(self, order: Order) -> None:
        """Store changes; ConcurrentUpdate if someone saved it since it was read."""

    async def find_by_request_key(self, request_key: str) -> Order | None: ...

    async def find_by_intent(self, intent_id: str) -> Order | None:
        """The order whose current attempt, or one of whose recorded payments, is this intent."""

    async def find_by_checkout_token(self, token: str) -> Order | None: ...

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Order]:
        """Newest first."""

    async def list_stuck(
        self, statuses: Sequence[OrderStatus], before: datetime, limit: int
    ) -> Sequence[Order]:
        """Orders in `statuses` not changed since `before`, oldest first (crash recovery)."""

    async def list_refunds_due(self, limit: int) -> Sequence[Order]:
        """Orders holding a duplicate payment not yet given back, oldest first."""


class VoucherRepository(Protocol):
    async def add(self, voucher: Voucher) -> None:
        """Store a voucher; DuplicateRequest if its order already has one."""

    async def for_order(self, order_id: str) -> Voucher | None: ...

    async def for_orders(self, order_ids: Many[str]) -> Mapping[str, Voucher]:
        """The vouchers of these orders, by order id, read together (an order with none is left
        out)."""

    async def save(self, voucher: Voucher) -> None: ...

    async def list_for_owner(self, user_key: str, limit: int = 50) -> Sequence[Voucher]:
        """Newest first."""


class GiftRepository(Protocol):
    async def add(self, gift: Gift) -> None:
        """Store a new gift; DuplicateRequest (at the latest on commit) if its order has one."""

    async def get(self, gift_id: str) -> Gift:
        """The gift, or GiftNotFound."""

    async def for_order(self, order_id: str) -> Gift | None: ...

    async def save(self, gift: Gift) -> None: ...

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        """Newest first."""

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        """Newest first."""


class CollectionRepository(Protocol):
    async def add(self, collection: Collection) -> None: ...

    async def get(self, collection_id: str) -> Collection:
        """The collection, or CollectionNotFound."""

    async def save(self, collection: Collection) -> None:
        """ConcurrentUpdate (at commit) if someone saved it since it was read: a close and a
        contribution counted at once are ordered by this."""

    async def list_due(self, now: datetime, limit: int = 100) -> Sequence[Collection]:
        """Open ones whose closing date or deadline has come, and expired ones with refunds due."""

    async def list_recent(self, limit: int = 100) -> Sequence[Collection]:
        """Newest first (the dashboard)."""


class CatalogStore(Protocol):
    """Where a provider's synced catalog is cached between syncs (never fetched per user
    request)."""

    async def replace(
        self, provider: str, products: Sequence[Product], synced_at: datetime
    ) -> None:
        """Make `products` the provider's whole cached catalog, atomically."""

    async def load(self, provider: str) -> Sequence[Product]: ...

    async def last_synced(self, provider: str) -> datetime | None: ...
