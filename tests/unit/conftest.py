"""Core fixtures: a small catalog and a Checkout wired to in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.catalog import Catalog, ExpiryPolicy, Product, ValueRange
from core.checkout import Checkout, PlaceOrder
from core.delivery import Relay
from core.identity import ChatUser, ConversationRef
from core.money import Money
from tests.fakes import (
    FakeGateway,
    FakeProvider,
    FakeSender,
    FixedClock,
    MemoryStore,
    MemoryUnitOfWork,
    SequentialIds,
)

BOOKS = Product(
    id="quiet-harbour-books",
    brand="Quiet Harbour Books",
    name="Quiet Harbour Books gift card",
    currency="USD",
    countries=("US",),
    denominations=(1000, 2500, 5000),
    instructions="Show the code at the till or enter it online.",
    expiry=ExpiryPolicy(days_after_issue=365),
)
TEA = Product(
    id="lantern-tea",
    brand="Lantern Tea House",
    name="Lantern Tea e-voucher",
    currency="EUR",
    countries=("DE", "FR"),
    value_range=ValueRange(500, 20000, 100),
    voucher_format="code_pin",
    expiry=ExpiryPolicy(days_after_issue=None, fixed_date=date(2027, 12, 31)),
)
ADA = ChatUser("slack", "T0001", "U0ADA", "Ada")
GRACE = ChatUser("slack", "T0001", "U0GRACE", "Grace")


@dataclass
class World:
    checkout: Checkout
    relay: Relay
    store: MemoryStore
    clock: FixedClock
    gateway: FakeGateway
    provider: FakeProvider
    sender: FakeSender

    def order_for(
        self, user: ChatUser = ADA, product: Product = BOOKS, minor: int = 2500, key: str = "req-1"
    ) -> PlaceOrder:
        conversation = ConversationRef(user.platform, f'{{"channel": "D{user.user_id}"}}')
        return PlaceOrder(user, product.id, Money(minor, product.currency), conversation, key)


@pytest.fixture
def world() -> World:
    store, clock, ids = MemoryStore(), FixedClock(), SequentialIds()
    gateway, provider, sender = FakeGateway(), FakeProvider(), FakeSender("slack")
    catalog = Catalog([BOOKS, TEA])

    def uow() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, clock)

    checkout = Checkout(
        uow=uow,
        catalog=catalog,
        gateway=gateway,
        providers={"builtin": provider},
        clock=clock,
        ids=ids,
        public_base_url="https://vouchers.example.com/",
    )
    relay = Relay(
        uow=uow,
        catalog=lambda: checkout.catalog,
        senders={"slack": sender},
        clock=clock,
        checkout_url=checkout.checkout_url,
    )
    return World(checkout, relay, store, clock, gateway, provider, sender)
