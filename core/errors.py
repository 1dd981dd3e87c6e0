"""The error tree of the checkout core.

    VoucherbotError
    ├── NotFound
    │   ├── UnknownProduct
    │   ├── OrderNotFound
    │   ├── UnknownCheckout
    │   ├── RewardNotFound
    │   └── ProgrammeNotFound
    ├── InvalidRequest
    │   ├── InvalidAmount
    │   ├── InvalidTransition
    │   ├── OrderNotPayable
    │   ├── CheckoutExpired
    │   ├── NotOrderOwner
    │   └── (core.rewards) RewardNotSpendable, NotRewardRecipient, NotRewardAdmin, BudgetExceeded,
    │       CurrencyMismatch
    ├── DuplicateRequest
    ├── ConcurrentUpdate
    ├── PaymentEventRejected
    ├── PaymentGatewayError
    ├── ProviderError
    ├── DirectoryUnavailable
    ├── LimiterUnavailable
    └── DeliveryError
        └── DeliveryRetryLater

Every error carries the data a caller needs and a message a user may read.
"""

from __future__ import annotations


class VoucherbotError(Exception):
    """Base of every error the core raises on purpose."""


class NotFound(VoucherbotError):
    """Something the caller named does not exist."""


class UnknownProduct(NotFound):
    """The catalog has no product with this id."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"There is no product '{product_id}' in the catalog.")
        self.product_id = product_id


class OrderNotFound(NotFound):
    """No order has this id (or key)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"There is no order '{order_id}'.")
        self.order_id = order_id


class UnknownCheckout(NotFound):
    """No order has this checkout token."""

    def __init__(self) -> None:
        super().__init__("This checkout link is not valid.")


class RewardNotFound(NotFound):
    """No reward has this id."""

    def __init__(self, reward_id: str) -> None:
        super().__init__(f"There is no reward '{reward_id}'.")
        self.reward_id = reward_id


class ProgrammeNotFound(NotFound):
    """No reward programme has this id."""

    def __init__(self, programme_id: str) -> None:
        super().__init__(f"There is no reward programme '{programme_id}'.")
        self.programme_id = programme_id


class InvalidRequest(VoucherbotError):
    """The request is well-formed but cannot be honoured."""


class InvalidAmount(InvalidRequest):
    """The amount is not one the product can be bought for."""

    def __init__(self, product_id: str, reason: str, *, rule: str = "", typed: str = "") -> None:
        super().__init__(reason)
        self.product_id = product_id
        self.reason = reason
        # Which rule was broken (AMOUNT_RULES) and what the person typed, so each channel can say it
        # in the person's language and keep their input.
        self.rule = rule
        self.typed = typed


AMOUNT_RULES = (
    "not_an_amount",
    "currency",
    "denomination",
    "minimum",
    "maximum",
    "step",
    "decimals",
)


class InvalidTransition(InvalidRequest):
    """An order was asked to move to a status its current one does not allow."""

    def __init__(self, order_id: str, current: str, target: str) -> None:
        super().__init__(f"Order {order_id} cannot go from {current} to {target}.")
        self.order_id = order_id
        self.current = current
        self.target = target


class OrderNotPayable(InvalidRequest):
    """The order is in a status where it cannot be paid."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"Order {order_id} is {status.replace('_', ' ')} and cannot be paid.")
        self.order_id = order_id
        self.status = status


class CheckoutExpired(InvalidRequest):
    """The checkout link is older than its time to live."""

    def __init__(self, order_id: str) -> None:
        super().__init__("This checkout link has expired. Start a new order from the chat.")
        self.order_id = order_id


class NotOrderOwner(InvalidRequest):
    """Someone other than the buyer tried to act on an order."""

    def __init__(self, order_id: str) -> None:
        super().__init__("Only the person who placed this order can do that.")
        self.order_id = order_id


class DuplicateRequest(VoucherbotError):
    """A unique key (event id, order key, voucher per order) was already recorded."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Already recorded: {key}")
        self.key = key


class ConcurrentUpdate(VoucherbotError):
    """Someone else changed the record since it was read; read again and retry."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Changed concurrently: {key}")
        self.key = key


class PaymentEventRejected(VoucherbotError):
    """A payment notification failed verification (signature, timestamp or shape)."""


class PaymentGatewayError(VoucherbotError):
    """The payment provider failed or refused a request."""


class ProviderError(VoucherbotError):
    """The voucher provider could not issue a voucher; `buyer_reason` is a kind a buyer may be
    told."""

    OUT_OF_STOCK = "out_of_stock"
    UNAVAILABLE = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        buyer_reason: str = "",
        nothing_placed: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.buyer_reason = buyer_reason
        # Retryable, yet certain that no order was placed (the provider was never reached, or
        # refused the call unprocessed): another provider may serve the order at once.
        self.nothing_placed = nothing_placed


class DirectoryUnavailable(VoucherbotError):
    """A chat platform could not be asked who someone is (down, throttling); try again after
    `retry_after`."""

    def __init__(self, platform: str, retry_after: float | None = None) -> None:
        super().__init__(
            f"{platform.capitalize()} cannot be reached to look people up; try again shortly."
        )
        self.platform = platform
        self.retry_after = retry_after


class LimiterUnavailable(VoucherbotError):
    """The shared rate-limit store (Redis, PostgreSQL) did not answer; limits go per replica."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"{store} rate limits unavailable: {reason}")
        self.store = store
        self.reason = reason


class DeliveryError(VoucherbotError):
    """A chat platform refused a message for good (it will not be retried)."""


class DeliveryRetryLater(DeliveryError):
    """A chat platform is throttling or failing; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
