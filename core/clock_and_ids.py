"""Time and ids: the Clock and IdFactory ports and their production implementations."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class IdFactory(Protocol):
    def new_id(self, prefix: str) -> str: ...

    def new_token(self) -> str: ...


class RandomIds:
    """Short readable ids (`ord_7K3M9Q2XH4`) and unguessable tokens."""

    _ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_" + "".join(secrets.choice(self._ALPHABET) for _ in range(12))

    def new_token(self) -> str:
        return secrets.token_urlsafe(32)
