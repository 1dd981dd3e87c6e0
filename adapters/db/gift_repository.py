"""Gifts over SQL: written at commit with an optimistic version, like orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from adapters.db.gift_tables import GiftRow
from adapters.db.transaction import Transaction
from adapters.db.versioned import VersionedRepository
from core.gifts import Gift, GiftNotFound, GiftStatus
from core.identity import ChatUser, ConversationRef


class SqlGifts(VersionedRepository[Gift, GiftRow]):
    row_type = GiftRow
    read_staged = True

    def to_row(self, item: Gift) -> GiftRow:
        return gift_to_row(item)

    def to_domain(self, row: GiftRow) -> Gift:
        return gift_to_domain(row)

    def not_found(self, item_id: str) -> Exception:
        return GiftNotFound(item_id)

    def unique_key(self, item: Gift) -> str:
        return f"gift for {item.order_id}"

    def __init__(self, tx: Transaction) -> None:
        super().__init__(tx)
        # Orders found to be no gift in this unit of work: issuing a voucher asks twice (its owner,
        # then its messages), and most orders are not gifts.
        self._not_gifts: set[str] = set()

    async def for_order(self, order_id: str) -> Gift | None:
        staged = [
            g for g in (*self._added.values(), *self._saved.values()) if g.order_id == order_id
        ]
        if staged:
            return staged[0]
        if order_id in self._not_gifts:
            return None
        found = await self._find("order_id", order_id)
        if found is None:
            self._not_gifts.add(order_id)
        return found

    async def list_for_buyer(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        return await self._newest(col(GiftRow.buyer_key) == user_key, limit)

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Gift]:
        return await self._newest(col(GiftRow.recipient_key) == user_key, limit)

    async def _newest(self, where: object, limit: int) -> Sequence[Gift]:
        query = select(GiftRow).where(where)  # type: ignore[arg-type]
        return await self._many(
            query.order_by(col(GiftRow.created_at).desc(), col(GiftRow.id).desc()).limit(limit)
        )


def gift_to_row(gift: Gift) -> GiftRow:
    return GiftRow(
        id=gift.id,
        order_id=gift.order_id,
        buyer_key=gift.buyer.key,
        buyer_platform=gift.buyer.platform,
        buyer_tenant=gift.buyer.tenant,
        buyer_user_id=gift.buyer.user_id,
        buyer_name=gift.buyer.name,
        recipient_platform=gift.recipient.platform,
        recipient_tenant=gift.recipient.tenant,
        recipient_user_id=gift.recipient.user_id,
        recipient_name=gift.recipient.name,
        recipient_key=gift.recipient.key,
        recipient_conversation_platform=gift.recipient_conversation.platform,
        recipient_conversation_address=gift.recipient_conversation.address,
        message=gift.message,
        deliver_at=gift.deliver_at,
        created_at=gift.created_at,
        status=str(gift.status),
        delivered_at=gift.delivered_at,
        cancelled_at=gift.cancelled_at,
        version=gift.version,
    )


def gift_to_domain(row: GiftRow) -> Gift:
    return Gift(
        id=row.id,
        order_id=row.order_id,
        buyer=ChatUser(row.buyer_platform, row.buyer_tenant, row.buyer_user_id, row.buyer_name),
        recipient=ChatUser(
            row.recipient_platform, row.recipient_tenant, row.recipient_user_id, row.recipient_name
        ),
        recipient_conversation=ConversationRef(
            row.recipient_conversation_platform, row.recipient_conversation_address
        ),
        message=row.message,
        deliver_at=row.deliver_at,
        created_at=row.created_at,
        status=GiftStatus(row.status),
        delivered_at=row.delivered_at,
        cancelled_at=row.cancelled_at,
        version=row.version,
    )
