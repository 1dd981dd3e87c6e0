"""Catalog cards kept as rendered: the same page, for the same reward and reader, is the same card.

A `vouchers` message answered with the catalog built its Adaptive Card (a row, prices and buttons
per product, the filter menus) on every turn, most of them for the same few pages. The page is the
key: it holds everything the card shows (its products' cards, the query, the menus), so a catalog
that changed gives other pages and other keys, and nothing needs invalidating; the least recently
used cards go first.
"""

from __future__ import annotations

from functools import lru_cache

from adapters.i18n import ENGLISH, Localizer
from adapters.teams.answer import Card
from adapters.teams.cards import catalog_card
from core.views import CatalogPage, RewardSummary

KEPT = 512  # pages times readers' locales; a catalog card is a few kilobytes


class CatalogCards:
    """`cards(page, reward, loc)` is `cards.catalog_card(page, reward, loc)`, built once per key.

    A card returned is shared by every turn that shows it: nothing may change it (none does: it is
    wrapped for sending, answer.SentAsIs, or serialised as an invoke's body).
    """

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = lru_cache(maxsize=kept)(catalog_card)

    def __call__(
        self, page: CatalogPage, reward: RewardSummary | None = None, loc: Localizer = ENGLISH
    ) -> Card:
        return self._kept(page, reward, loc)  # always positional: one key per (page, reward, loc)
