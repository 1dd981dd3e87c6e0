"""The core of group and "their choice" gifts over the in-memory fakes: a checkout that funds
rewards, its relay and the people in the tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.catalog import Catalog
from core.checkout import Checkout
from core.delivery import Relay
from core.funded import Funded
from core.group_gifts import GroupGifts
from core.identity import ChatUser, ConversationRef
from core.payments import PaymentEvent, PaymentEventKind
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FakeSender,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)
from tests.unit.conftest import BOOKS, TEA

ORGANISER = ChatUser("slack", "T0001", "U0LIN", "Lin")
ADA = ChatUser("slack", "T0001", "U0ADA", "Ada")
PEOPLE = [ChatUser("slack", "T0001", f"U0C{i}", name) for i, name in enumerate(("Bo", "Cy", "Di"))]
ADA_DM = ConversationRef("slack", '{"team":"T0001","user":"U0ADA"}')
CHANNEL = ConversationRef("slack", '{"team":"T0001","user":"U0LIN","channel":"C1","ts":"1.2"}')


@dataclass
class Group:
    store: MemoryStore
    clock: FixedClock
    gateway: FakeGateway
    checkout: Checkout
    gifts: GroupGifts
    relay: Relay
    sender: FakeSender

    async def pay(self, order_id: str, event: str = "") -> None:
        order = self.store.orders[order_id]
        await self.checkout.handle_payment_event(
            PaymentEvent(
                event or f"evt-{order_id}",
                PaymentEventKind.SUCCEEDED,
                order.payment_intent_id or "",
                order.id,
                order.card_amount,
            )
        )

    async def chip_in(self, person: ChatUser, amount: str, collection_id: str, show: bool) -> str:
        dm = ConversationRef("slack", f'{{"team":"T0001","user":"{person.user_id}"}}')
        summary = await self.gifts.chip_in(
            collection_id, person, amount, show, dm, f"chip-{person.user_id}-{amount}"
        )
        return summary.order_id


@pytest.fixture
def group() -> Group:
    store, clock, ids = MemoryStore(), FixedClock(), SequentialIds()
    gateway, sender = FakeGateway(), FakeSender("slack")

    def uow() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, clock)

    checkout = Checkout(
        uow=uow,
        catalog=Catalog([BOOKS, TEA]),
        gateway=gateway,
        providers={"builtin": FakeProvider()},
        clock=clock,
        ids=ids,
        public_base_url="https://vouchers.example.com/",
    )
    funded = Funded(uow=uow, ids=ids, clock=clock, refund=checkout.refund)
    checkout.absorb = funded.absorb
    gifts = GroupGifts(
        uow=uow, checkout=checkout, funded=funded, clock=clock, ids=ids, default_currency="EUR"
    )
    relay = Relay(
        uow=uow,
        catalog=lambda: checkout.catalog,
        senders={"slack": sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    return Group(store, clock, gateway, checkout, gifts, relay, sender)
