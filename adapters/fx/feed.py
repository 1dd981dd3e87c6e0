"""Fetching the ECB daily reference-rate XML from a configured URL (aiohttp, bounded size and
time)."""

from __future__ import annotations

import ssl

import aiohttp

from adapters.fx.ecb import MAX_BYTES, RatesFileError, parse_ecb
from core.fx import Rate


class RatesFeedError(Exception):
    """The rates URL could not be read, or did not answer with ECB XML."""


class EcbFeed:
    """`fetch()` returns the newest day's rates, or raises RatesFeedError (the job logs, tries
    later)."""

    def __init__(
        self, url: str, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 20.0
    ) -> None:
        self.url = url
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def fetch(self) -> list[Rate]:
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.get(self.url, ssl=self._ssl if self._ssl is not None else True) as response,
            ):
                if response.status != 200:
                    raise RatesFeedError(f"the rates URL answered HTTP {response.status}")
                data = await response.content.read(MAX_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RatesFeedError(
                f"the rates URL could not be reached: {type(exc).__name__}"
            ) from exc
        try:
            return parse_ecb(data)
        except RatesFileError as exc:
            raise RatesFeedError(str(exc)) from exc
