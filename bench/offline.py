"""Stand-ins for what a benchmark's Checkout is built with but never uses (no payments, no
storage)."""

from __future__ import annotations

from core.catalog import Catalog
from core.checkout import Checkout
from core.money import Money
from core.payments import PaymentEvent, PaymentIntent
from core.ports import RandomIds, SystemClock, UnitOfWork, UnitOfWorkFactory

PUBLIC_BASE_URL = "https://vouchers.bench.example"


class NoPayments:
    """A PaymentGateway that must never be called (the benchmark takes no payments)."""

    async def create_intent(
        self, *, order_id: str, amount: Money, idempotency_key: str
    ) -> PaymentIntent:
        raise NotImplementedError

    async def refund(self, *, intent_id: str, idempotency_key: str) -> None:
        raise NotImplementedError

    def parse_event(self, payload: bytes, signature: str) -> PaymentEvent:
        raise NotImplementedError


def no_storage() -> UnitOfWork:
    raise NotImplementedError("this benchmark's checkout stores nothing")


def checkout_over(catalog: Catalog, uow: UnitOfWorkFactory = no_storage) -> Checkout:
    """A Checkout for what needs one (catalog queries, Slack's build_slack) without payments."""
    return Checkout(
        uow=uow,
        catalog=catalog,
        gateway=NoPayments(),
        providers={},
        clock=SystemClock(),
        ids=RandomIds(),
        public_base_url=PUBLIC_BASE_URL,
    )
