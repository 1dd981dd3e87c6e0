"""What the platforms received per order, set against what the database says was owed.

A delivery is seen at the fake behind the chaos proxy, so only successful sends count. For one order
the kinds arrive as the outbox queued them ("update" of the order message, "voucher"); a crash may
repeat the message in flight, which shows as the same kind twice in a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.orders import Order, OrderStatus
from core.outbox import MessageKind, MessageStatus, OutboxMessage
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.faults.cluster import Cluster
from tests.faults.people import Buyer, ProxiedChat, SlackBuyer, buyer_key
from tests.teams.conftest import card_text

KIND = {MessageKind.ORDER_UPDATE: "update", MessageKind.VOUCHER_DELIVERY: "voucher"}


def teams_deliveries(connector: FakeConnector, chat: ProxiedChat, since: int = 0) -> list[str]:
    kinds = []
    for call in connector.calls[since:]:
        if (
            call.conversation_id != chat.conversation_id
            or call.status >= 300
            or call.kind == "create"
        ):
            continue
        if call.kind == "update":
            kinds.append("update")
        elif call.cards and "Code" in card_text(call.card):
            kinds.append("voucher")
        else:
            kinds.append(f"other:{call.text[:40]}")
    return kinds


def slack_deliveries(fake: FakeSlack, buyer: SlackBuyer, since: int = 0) -> list[str]:
    kinds = []
    for call in fake.calls[since:]:
        if not call.ok:
            continue
        if call.method == "response_url" and call.target == buyer.hook:
            # The ephemeral copy of a voucher (replace_original false) follows its DM: not a message
            # itself.
            if call.args.get("replace_original") is not False:
                kinds.append("update")
        elif call.method == "chat.postMessage" and call.args.get("channel") == buyer.dm:
            # An order update lands in the DM too once its response_url is used up (five uses).
            kinds.append("voucher" if _shows_code(call.args.get("blocks")) else "update")
    return kinds


def _shows_code(blocks: object) -> bool:
    text = json.dumps(blocks) if not isinstance(blocks, str) else blocks
    return "*Code*" in text


def collapse(kinds: Iterable[str]) -> list[str]:
    """Kinds with immediate repeats removed: a message sent again after a crash counts once."""
    out: list[str] = []
    for kind in kinds:
        if not out or out[-1] != kind:
            out.append(kind)
    return out


def owed(messages: Sequence[OutboxMessage]) -> list[str]:
    """What the outbox queued for an order, in its delivery order."""
    ordered = sorted(messages, key=lambda m: (m.created_at, m.id))
    return [KIND[m.kind] for m in ordered]


@dataclass(frozen=True)
class OrderOutcome:
    """One order's end state and what reached its buyer."""

    order: Order
    has_voucher: bool
    messages: tuple[OutboxMessage, ...]
    delivered: tuple[str, ...]

    @property
    def expected(self) -> list[str]:
        return owed(self.messages)

    @property
    def duplicates(self) -> int:
        return len(self.delivered) - len(self.expected)

    def timeline(self) -> list[str]:
        """The outbox's own record of each message, to explain a wrong arrival order."""
        ordered = sorted(self.messages, key=lambda m: (m.created_at, m.id))
        return [f"{m.key} queued {m.created_at.time()} {m.history}" for m in ordered]

    def problems(self) -> list[str]:
        found = []
        if self.order.status is not OrderStatus.DELIVERED:
            found.append(f"status {self.order.status}")
        if not self.has_voucher:
            found.append("no voucher")
        if any(m.status is not MessageStatus.SENT for m in self.messages):
            found.append(f"outbox not all sent: {[str(m.status) for m in self.messages]}")
        if self.delivered.count("voucher") < 1:
            found.append("voucher message never arrived")
        if collapse(self.delivered) != collapse(self.expected) or self.duplicates < 0:
            found.append(
                f"arrived {list(self.delivered)}, owed {self.expected}; outbox: {self.timeline()}"
            )
        return [f"{self.order.id}: {p}" for p in found]


async def outcome(cluster: Cluster, buyer: Buyer, marks: tuple[int, int] = (0, 0)) -> OrderOutcome:
    """The buyer's only order and what reached them since `marks` (lengths of the fakes' call
    logs)."""
    platforms = cluster.platforms
    async with cluster.reader.unit_of_work() as uow:
        (order,) = await uow.orders.list_for_buyer(buyer_key(buyer))
        voucher = await uow.vouchers.for_order(order.id)
        messages = tuple(m for m in await uow.outbox.for_order(order.id) if m.kind in KIND)
    if isinstance(buyer, SlackBuyer):
        delivered = slack_deliveries(platforms.slack, buyer, marks[0])
    else:
        delivered = teams_deliveries(platforms.connector, buyer, marks[1])
    return OrderOutcome(order, voucher is not None, messages, tuple(delivered))


async def settled(cluster: Cluster, order_id: str) -> bool:
    """The order is delivered and nothing more is owed for it."""
    async with cluster.reader.unit_of_work() as uow:
        order = await uow.orders.get(order_id)
        messages = await uow.outbox.for_order(order_id)
    return order.status is OrderStatus.DELIVERED and all(
        m.status is MessageStatus.SENT for m in messages
    )


def marks(cluster: Cluster) -> tuple[int, int]:
    """How far the fakes' call logs are now: later deliveries are counted from here."""
    return len(cluster.platforms.slack.calls), len(cluster.platforms.connector.calls)
