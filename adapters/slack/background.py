"""Work that runs after Slack has been acknowledged: tracked tasks that can be drained on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

OnError = Callable[[BaseException], Awaitable[None]]


class Background:
    """Runs listener work after the ack; keeps a reference to every task (asyncio only keeps weak ones)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], on_error: OnError) -> None:
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

    async def _run(self, work: Coroutine[Any, Any, None], on_error: OnError) -> None:
        try:
            await work
        except Exception as exc:  # the global handler for work that outlived its request
            log.exception("slack background work failed")
            await self._report(exc, on_error)

    async def _report(self, exc: Exception, on_error: OnError) -> None:
        try:
            await on_error(exc)
        except Exception:
            log.exception("could not tell the user about a failure")
