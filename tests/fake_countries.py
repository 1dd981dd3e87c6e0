"""An in-memory core.redeem.RecipientCountries."""

from __future__ import annotations

from datetime import datetime


class FakeCountries:
    def __init__(self) -> None:
        self.chosen: dict[str, tuple[str, str, datetime]] = {}

    async def get(self, user_key: str) -> str | None:
        found = self.chosen.get(user_key)
        return found[0] if found else None

    async def set(self, user_key: str, country: str, source: str, at: datetime) -> None:
        self.chosen[user_key] = (country, source, at)
