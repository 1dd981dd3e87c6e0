"""One relay run's notices, read ahead together, and its "sent" marks, written together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from core.errors import VoucherbotError
from core.outbox import OutboxMessage
from core.views import Notice


class Batch:
    """One run's notices, read ahead, and its marks."""

    def __init__(self, prepared: dict[str, Notice | VoucherbotError], marks: Marks) -> None:
        self._prepared = prepared
        self.marks = marks

    def notice(self, message_id: str) -> Notice | None:
        found = self._prepared.get(message_id)
        if isinstance(found, VoucherbotError):
            raise found
        return found


MarkWriter = Callable[[list[OutboxMessage]], Awaitable[dict[str, VoucherbotError]]]


class Marks:
    """Group commit of "sent" marks: each sender waits for its own mark, and the marks that arrive
    while one write is under way go together in the next one."""

    def __init__(self, write: MarkWriter) -> None:
        self._write = write
        self._waiting: list[tuple[OutboxMessage, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, message: OutboxMessage) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # let sends finishing at the same moment join this write
        while self._waiting:
            taken, self._waiting = self._waiting, []
            try:
                failed = await self._write([message for message, _ in taken])
            except BaseException as exc:  # the database is down: every sender of these learns it
                for _, done in taken:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise  # cancelled: the senders were told
                continue
            for message, done in taken:
                error = failed.get(message.id)
                if done.done():
                    continue
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)
