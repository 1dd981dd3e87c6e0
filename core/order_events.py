"""What happened to an order, in the past tense: the Order records these, handlers act on them.

Every event names the order and who caused it (`actor`: a person's key, "stripe", "system", ...).
A `Transition` also changed the order's status; it is audited as `order.<new status>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.order_status import FailureKind, OrderStatus


@dataclass(frozen=True)
class OrderEvent:
    order_id: str
    actor: str


@dataclass(frozen=True)
class Transition(OrderEvent):
    """The order moved from `before` to `after` (`amount`: its price label, for the audit)."""

    before: OrderStatus | None
    after: OrderStatus
    amount: str


@dataclass(frozen=True)
class OrderCreated(Transition):
    """A buyer asked for a voucher."""


@dataclass(frozen=True)
class PaymentAwaited(Transition):
    """A payment intent and checkout link were made; the buyer is to pay by card."""


@dataclass(frozen=True)
class OrderPaid(Transition):
    """The price was paid, by card (`actor` "stripe") or wholly by a reward ("reward")."""


@dataclass(frozen=True)
class OrderFailed(Transition):
    """The order failed; `kind` says whose move it is next, `announced` whether the buyer is told
    now."""

    kind: FailureKind
    announced: bool


@dataclass(frozen=True)
class IssuanceStarted(Transition):
    """A worker claimed the paid order to ask a provider for its voucher (or an admin retried)."""


@dataclass(frozen=True)
class VoucherIssued(Transition):
    """The provider's voucher is stored; `masked_code` shows no more than its last characters."""

    masked_code: str


@dataclass(frozen=True)
class OrderSettledInKind(Transition):
    """A funded order's goods were delivered in kind (`what`: contribution_counted, gift_funded)."""

    what: str


@dataclass(frozen=True)
class OrderDelivered(Transition):
    """The voucher message reached its owner."""


@dataclass(frozen=True)
class OrderCancelled(Transition):
    """The order was called off before it was paid."""


@dataclass(frozen=True)
class OrderExpired(Transition):
    """The checkout link ran out unpaid."""


@dataclass(frozen=True)
class OrderRefunded(Transition):
    """Every payment the order held was given back (and a reward's share restored)."""


@dataclass(frozen=True)
class OrderRouted(OrderEvent):
    """Issuance goes to `provider` (`previous`: the provider it leaves; None on the first route)."""

    provider: str
    reason: str
    previous: str | None


@dataclass(frozen=True)
class IssuanceDelayed(OrderEvent):
    """The provider failed in a way worth asking again (recovery will); the order keeps its
    status."""

    error: str


@dataclass(frozen=True)
class DuplicatePaymentTaken(OrderEvent):
    """An intent paid an order already paid for: its money is owed back."""

    intent_id: str
    amount: str


@dataclass(frozen=True)
class DuplicatePaymentRefunded(OrderEvent):
    """A duplicate payment was given back; the order itself stays paid."""

    intent_id: str
    amount: str
