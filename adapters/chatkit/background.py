"""Work that runs after the platform has been acknowledged: tracked tasks, drained on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from adapters.chatkit.wording import APOLOGY

log = logging.getLogger(__name__)

OnError = Callable[[BaseException], Awaitable[None]]


def apologising(tell: Callable[[str], Awaitable[Any]]) -> OnError:
    """An error reporter that tells the person APOLOGY the way `tell` reaches them."""

    async def report(_exc: BaseException) -> None:
        await tell(APOLOGY)

    return report


class Background:
    """Runs listener work after the ack; keeps a reference to every task (asyncio keeps weak
    ones)."""

    def __init__(self, channel: str = "chat") -> None:
        self._channel = channel
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], on_error: OnError | None = None) -> None:
        """Run `work` now in the background; a failure is logged, then `on_error` tells the
        person."""
        task = asyncio.ensure_future(self._run(work, on_error))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every task (and any task it started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, work: Coroutine[Any, Any, None], on_error: OnError | None) -> None:
        try:
            await work
        except Exception as exc:  # the global handler for work that outlived its request
            log.exception("%s background work failed", self._channel)
            if on_error is not None:
                await self._report(exc, on_error)

    async def _report(self, exc: Exception, on_error: OnError) -> None:
        try:
            await on_error(exc)
        except Exception:
            log.exception("could not tell the user about a failure")
