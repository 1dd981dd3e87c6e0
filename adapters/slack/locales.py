"""Each person's Slack locale (users.info with include_locale), cached, as the localizer to speak to
them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.i18n import ENGLISH, Localizer, localizer

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600.0
FAILED_TTL_SECONDS = 300.0
# Listeners look the locale up before they ack a slash command (3 s): a slow lookup answers in
# English.
LOOKUP_SECONDS = 1.0
# People remembered at most: a reward event to 100,000 people must not keep each one's locale
# (those not asked about for longest go first, and are looked up again if they come back).
MAX_PEOPLE = 20_000


class SlackLocales:
    """users.info locales by (team, user); one lookup a day per person, English when Slack says
    nothing."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = LOOKUP_SECONDS,
        max_people: int = MAX_PEOPLE,
    ) -> None:
        self._clock = clock
        self._timeout = timeout
        self._max_people = max_people
        self._known: dict[tuple[str, str], tuple[float, Localizer]] = {}

    async def of(
        self, client: AsyncWebClient, team: str, user_id: str, *, raise_transient: bool = False
    ) -> Localizer:
        """The person's localizer. With `raise_transient` (the outbox, which retries), a throttled
        or unreachable Slack raises instead of settling for English; a refusal always means
        English."""
        key = (team, user_id)
        cached = self._known.pop(key, None)
        if cached is not None and cached[0] > self._clock():
            self._known[key] = cached  # back at the end: the most recently used go last
            return cached[1]
        found = await self._look_up(client, user_id, raise_transient)
        expiry = self._clock() + (TTL_SECONDS if found is not None else FAILED_TTL_SECONDS)
        self._keep(key, expiry, found or ENGLISH)
        return found or ENGLISH

    def remember(self, team: str, user_id: str, tag: str) -> None:
        """A locale learnt elsewhere (an event that carries it) saves a lookup."""
        self._keep((team, user_id), self._clock() + TTL_SECONDS, localizer(tag))

    def __len__(self) -> int:
        return len(self._known)

    def _keep(self, key: tuple[str, str], expiry: float, found: Localizer) -> None:
        self._known.pop(key, None)  # to the end: dicts keep the order keys were set in
        self._known[key] = (expiry, found)
        while len(self._known) > self._max_people:
            del self._known[next(iter(self._known))]

    async def _look_up(
        self, client: AsyncWebClient, user_id: str, raise_transient: bool
    ) -> Localizer | None:
        try:
            response = await asyncio.wait_for(
                client.users_info(user=user_id, include_locale=True), self._timeout
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            if raise_transient and _transient(exc):
                raise
            log.info("slack locale unknown; speaking English", extra={"error": type(exc).__name__})
            return None
        user = response.get("user") or {}
        tag, time_zone = str(user.get("locale") or ""), str(user.get("tz") or "")
        return localizer(tag, time_zone) if tag or time_zone else None


def _transient(exc: Exception) -> bool:
    """Worth retrying: throttled, Slack's own failure, or Slack not reached; not a refusal."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return status == 429 or status >= 500
    return True
