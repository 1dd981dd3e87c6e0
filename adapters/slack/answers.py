"""Catalog pages and product cards kept once rendered in Block Kit, per locale.

Rendering a catalog page (its filter menus list every currency and country, each option carrying
its query) and encoding it cost several times the search itself, and many people ask the same
searches and choose the same products. The views themselves are the keys (frozen, compared by
value): a changed catalog or product gives other keys, so a kept answer is never stale and nothing
needs invalidating; the least recently used go first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from adapters.i18n import Localizer
from adapters.slack import blocks
from adapters.slack.kit import Message
from core.catalog import CatalogQuery
from core.views import CatalogPage, ProductCard, RewardSummary

KEPT = 256  # answers of each kind: a few hundred searches in a few locales


@dataclass(frozen=True)
class Answer:
    """An ephemeral answer and the JSON body Bolt's `ack` would make of it, encoded once."""

    message: Message
    body: str

    @classmethod
    def of(cls, message: Message) -> Answer:
        # The fields in the order Bolt's ack puts them, so the bytes are the ones Bolt would send.
        fields = {"text": message.text, "response_type": "ephemeral", "blocks": message.blocks}
        return cls(message, json.dumps(fields))


class KeptAnswers:
    """Rendered answers of one Slack app, kept by what they show (bounded, least recently used
    first out). Kept messages are shared: nothing may change their blocks."""

    def __init__(self, size: int = KEPT) -> None:
        self.catalog = lru_cache(maxsize=size)(self._catalog)
        self.product = lru_cache(maxsize=size)(self._product)

    @staticmethod
    def _catalog(page: CatalogPage, reward: RewardSummary | None, loc: Localizer) -> Answer:
        return Answer.of(blocks.catalog_message(page, reward, loc))

    @staticmethod
    def _product(card: ProductCard, query: CatalogQuery, reward_id: str, loc: Localizer) -> Message:
        return blocks.product_message(card, query, reward_id=reward_id, loc=loc)
