"""Read models handed to adapters: what to show, in plain data, rendered natively by each channel.

The models live by area (core.catalog_views, core.order_views, core.gift_views, core.reward_views);
this module names them all in one place, with `Notice`: anything a channel may be asked to send.
"""

from __future__ import annotations

from core.catalog_views import CatalogPage, ProductCard, by_card, within
from core.collections import CollectionCard
from core.gift_views import GiftReceipt, receipt_of
from core.order_views import (
    BUYER_REASONS,
    STATUS_LABELS,
    CheckoutView,
    GiftDelivery,
    OrderSummary,
    VoucherDelivery,
    Wallet,
    WalletEntry,
    buyer_facing_reason,
    summary_of,
)
from core.reward_views import (
    ApprovalDecided,
    ApprovalRequest,
    ApprovalView,
    RewardNotice,
    RewardPreview,
    RewardSummary,
    RewardUndeliverable,
    SendReport,
    ShoutOut,
)

Notice = (
    OrderSummary
    | VoucherDelivery
    | RewardNotice
    | RewardUndeliverable
    | GiftDelivery
    | GiftReceipt
    | ApprovalRequest
    | ApprovalDecided
    | ShoutOut
    | CollectionCard
)

__all__ = [
    "BUYER_REASONS",
    "STATUS_LABELS",
    "ApprovalDecided",
    "ApprovalRequest",
    "ApprovalView",
    "CatalogPage",
    "CheckoutView",
    "GiftDelivery",
    "GiftReceipt",
    "Notice",
    "OrderSummary",
    "ProductCard",
    "RewardNotice",
    "RewardPreview",
    "RewardSummary",
    "RewardUndeliverable",
    "SendReport",
    "ShoutOut",
    "VoucherDelivery",
    "Wallet",
    "WalletEntry",
    "buyer_facing_reason",
    "by_card",
    "receipt_of",
    "summary_of",
    "within",
]
