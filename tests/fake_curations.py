"""An in-memory core.curation.CurationStore."""

from __future__ import annotations

from collections.abc import Sequence

from core.curation import CatalogRule


class FakeCurations:
    def __init__(self, *rules: CatalogRule) -> None:
        self.picks: list[CatalogRule] = list(rules)

    async def rules(self, programme_id: str) -> Sequence[CatalogRule]:
        return [rule for rule in self.picks if rule.programme_id == programme_id]

    async def all(self) -> Sequence[CatalogRule]:
        return list(self.picks)

    async def add(self, rule: CatalogRule) -> bool:
        if rule in self.picks:
            return False
        self.picks.append(rule)
        return True

    async def remove(self, rule: CatalogRule) -> bool:
        if rule not in self.picks:
            return False
        self.picks.remove(rule)
        return True
