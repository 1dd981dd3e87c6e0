"""Plum OAuth token upkeep: refresh before expiry, once for all callers, keeping the rotated refresh
token."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from adapters.providers.xoxoday_api import PlumApiError, decimal_of, error_for, malformed
from core.ports import Clock

log = logging.getLogger(__name__)

# (url, json body, timeout seconds, operation name) -> (HTTP status, parsed JSON or None)
PostJson = Callable[[str, dict[str, Any], float, str], Awaitable[tuple[int, Any]]]
FALLBACK_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class PlumTokens:
    """An access token, its expiry, and the refresh token that replaced the one used to get it."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime


class TokenStore(Protocol):
    """Where the newest tokens live between restarts: Plum invalidates a refresh token once it is
    used."""

    async def load(self) -> PlumTokens | None: ...

    async def save(self, tokens: PlumTokens) -> None: ...


class MemoryTokenStore:
    """Keeps tokens for the life of the process only (a restart falls back to the configured
    token)."""

    def __init__(self) -> None:
        self.tokens: PlumTokens | None = None

    async def load(self) -> PlumTokens | None:
        return self.tokens

    async def save(self, tokens: PlumTokens) -> None:
        self.tokens = tokens


class SerializedTokenStore:
    """Keeps tokens as JSON text in any named-value store (the bot's encrypted database table)."""

    def __init__(
        self, load: Callable[[], Awaitable[str | None]], save: Callable[[str], Awaitable[None]]
    ) -> None:
        self._load = load
        self._save = save

    async def load(self) -> PlumTokens | None:
        text = await self._load()
        if not text:
            return None
        data = json.loads(text)
        return PlumTokens(
            data["access_token"], data["refresh_token"], datetime.fromisoformat(data["expires_at"])
        )

    async def save(self, tokens: PlumTokens) -> None:
        await self._save(
            json.dumps(
                {
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token,
                    "expires_at": tokens.expires_at.isoformat(),
                }
            )
        )


class TokenKeeper:
    """Hands out a valid access token; concurrent callers share one refresh (a second would be
    refused)."""

    def __init__(
        self,
        *,
        url: str,
        client_id: str,
        client_secret: str,
        seed_refresh_token: str,
        store: TokenStore,
        clock: Clock,
        margin: timedelta,
        timeout: float,
        post: PostJson,
    ) -> None:
        self._url = url
        self._client_id = client_id
        self._client_secret = client_secret
        self._seed = seed_refresh_token
        self._store = store
        self._clock = clock
        self._margin = margin
        self._timeout = timeout
        self._post = post
        self._lock = asyncio.Lock()
        self._tokens: PlumTokens | None = None
        self.refreshes = 0

    async def access_token(self) -> str:
        if self._tokens is None or self._expiring(self._tokens):
            async with self._lock:
                if self._tokens is None or self._expiring(self._tokens):
                    self._tokens = await self._fresh()
        return self._tokens.access_token

    async def renew(self, rejected: str) -> str:
        """Plum answered 401 to `rejected`: refresh, unless another caller already replaced it."""
        async with self._lock:
            if self._tokens is None or self._tokens.access_token == rejected:
                self._tokens = await self._fresh(rejected)
            return self._tokens.access_token

    def _expiring(self, tokens: PlumTokens) -> bool:
        return self._clock.now() >= tokens.expires_at - self._margin

    async def _fresh(self, rejected: str = "") -> PlumTokens:
        stored = await self._store.load()
        # Another replica (or a previous run) may hold newer tokens: adopt them instead of rotating
        # again.
        if (
            stored
            and stored.access_token not in (rejected, self._current_access())
            and not self._expiring(stored)
        ):
            return stored
        return await self._refresh(stored)

    def _current_access(self) -> str:
        return self._tokens.access_token if self._tokens else ""

    async def _refresh(self, stored: PlumTokens | None) -> PlumTokens:
        refused: PlumApiError | None = None
        for refresh_token in self._candidates(stored):
            status, answer = await self._post(
                self._url, self._grant(refresh_token), self._timeout, "token refresh"
            )
            if status == 200:
                return await self._keep(self._parse(answer, refresh_token))
            refused = error_for(status, answer, "token refresh")
            if refused.retryable:
                raise refused
        log.error(
            "Plum refused the refresh token: generate a new one in the Plum dashboard",
            extra={"status": refused.status if refused else None},
        )
        raise PlumApiError(
            "Plum refused the refresh token (credentials need attention)",
            status=refused.status if refused else 0,
            retryable=True,
        )

    def _candidates(self, stored: PlumTokens | None) -> list[str]:
        # Newest first; the configured token last, so a token regenerated in the dashboard is picked
        # up.
        tokens = [t.refresh_token for t in (stored, self._tokens) if t is not None] + [self._seed]
        return list(dict.fromkeys(t for t in tokens if t))

    def _grant(self, refresh_token: str) -> dict[str, Any]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }

    def _parse(self, answer: Any, used: str) -> PlumTokens:
        access = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(access, str) or not access:
            raise malformed("token refresh", "no access_token")
        rotated = answer.get("refresh_token")
        return PlumTokens(
            access, rotated if isinstance(rotated, str) and rotated else used, self._expiry(answer)
        )

    def _expiry(self, answer: dict[str, Any]) -> datetime:
        seconds = decimal_of(answer.get("expires_in"))
        if seconds is not None and seconds > 0:
            return self._clock.now() + timedelta(seconds=int(seconds))
        epoch_ms = decimal_of(answer.get("access_token_expiry"))
        if epoch_ms is not None and epoch_ms > 0:
            return datetime.fromtimestamp(int(epoch_ms) / 1000, UTC)
        return self._clock.now() + FALLBACK_LIFETIME

    async def _keep(self, tokens: PlumTokens) -> PlumTokens:
        # The old refresh token is already dead: hold the new one in memory before anything can
        # fail.
        self._tokens = tokens
        self.refreshes += 1
        try:
            await self._store.save(tokens)
        except Exception:
            log.exception(
                "could not store the rotated Plum tokens; a restart will need a new refresh token"
            )
        log.info("Plum access token refreshed", extra={"expires_at": tokens.expires_at.isoformat()})
        return tokens
