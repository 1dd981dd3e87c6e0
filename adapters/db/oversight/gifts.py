"""The dashboard's reads of gifts: gifts with how their delivery went, and group gifts with their
contributions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from adapters.db.collection_repository import collection_to_domain
from adapters.db.collection_tables import CollectionRow
from adapters.db.gift_repository import gift_to_domain
from adapters.db.gift_tables import GiftRow
from adapters.db.oversight.reading import SqlReads
from adapters.db.tables import OrderRow, OutboxRow, RewardRow
from core.identity import ChatUser
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageKind
from core.oversight.lines import CollectionLine, ContributionLine, GiftLine


class GiftReads(SqlReads):
    """Gifts with how their delivery went, and group gifts with their contributions."""

    async def gifts(self, limit: int = 100) -> Sequence[GiftLine]:
        listing = (
            select(GiftRow, OrderRow)
            .join(OrderRow, col(OrderRow.id) == col(GiftRow.order_id))
            .order_by(col(GiftRow.created_at).desc(), col(GiftRow.id).desc())
            .limit(limit)
        )
        async with self._reading() as tx:
            pairs = (await tx.execute(listing)).all()
            orders = [order.id for _, order in pairs]
            # A their-choice gift is delivered by its reward's notice, which names the order too.
            deliveries = [str(MessageKind.GIFT_DELIVERY), str(MessageKind.REWARD_NOTICE)]
            messages = select(col(OutboxRow.order_id), col(OutboxRow.status)).where(
                col(OutboxRow.order_id).in_(orders), col(OutboxRow.kind).in_(deliveries)
            )
            delivery = {order_id: status for order_id, status in (await tx.execute(messages)).all()}
        return [
            _gift_line(gift, order, delivery.get(order.id, "not queued")) for gift, order in pairs
        ]

    async def collections(self, limit: int = 100) -> Sequence[CollectionLine]:
        newest = col(CollectionRow.created_at).desc()
        async with self._reading() as tx:
            rows = await tx.rows(select(CollectionRow).order_by(newest).limit(limit))
            found = [collection_to_domain(row) for row in rows]
            order_ids = [c.order_id for f in found for c in f.contributions]
            paid = select(col(OrderRow.id), col(OrderRow.status)).where(
                col(OrderRow.id).in_(order_ids)
            )
            statuses = {i: OrderStatus(s) for i, s in (await tx.execute(paid)).all()}
            reward_ids = [f.reward_id for f in found if f.reward_id]
            rewards = select(col(RewardRow.id), col(RewardRow.status)).where(
                col(RewardRow.id).in_(reward_ids)
            )
            reward_status = dict((await tx.execute(rewards)).all())
            notices = select(col(OutboxRow.reward_id), col(OutboxRow.status)).where(
                col(OutboxRow.reward_id).in_(reward_ids),
                col(OutboxRow.kind) == str(MessageKind.REWARD_NOTICE),
            )
            delivery = dict((await tx.execute(notices)).all())
        return [
            CollectionLine(
                collection=f,
                contributions=tuple(
                    ContributionLine(
                        c.order_id, c.contributor, c.amount, str(c.state), statuses.get(c.order_id)
                    )
                    for c in f.contributions
                ),
                reward_status=str(reward_status.get(f.reward_id, "")),
                delivery=str(delivery.get(f.reward_id, "")),
            )
            for f in found
        ]


def _gift_line(row: GiftRow, order: OrderRow, delivery: str) -> GiftLine:
    gift = gift_to_domain(row)
    return GiftLine(
        gift_id=gift.id,
        order_id=gift.order_id,
        created_at=gift.created_at,
        buyer=ChatUser(
            order.buyer_platform, order.buyer_tenant, order.buyer_user_id, order.buyer_name
        ),
        recipient=gift.recipient,
        amount=Money(order.amount_minor, order.currency),
        order_status=OrderStatus(order.status),
        gift_status=str(gift.status),
        deliver_at=gift.deliver_at,
        delivery=delivery,
        delivered_at=gift.delivered_at,
    )
