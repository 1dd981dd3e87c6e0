"""A loopback reverse proxy in front of a fake platform that misbehaves on demand for a while.

Outside an outage it passes every request through unchanged. During one it answers each request with
the next fault of a cycle: 429 with Retry-After, a 5xx, or a stall (no answer, then the connection
is dropped). A failed request never reaches the fake behind the proxy, so whatever the fake records
was delivered exactly as often as the bot sent it successfully.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

HOP_BY_HOP = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "content-encoding",
    "keep-alive",
}


@dataclass(frozen=True)
class Fault:
    """What the platform does to one request: an HTTP status (with Retry-After), or "stall"."""

    kind: str  # "429", "500", "502", "503", "stall"
    retry_after: float | None = None
    stall_seconds: float = 4.0

    @property
    def label(self) -> str:
        return self.kind


RETRY_AFTER = 2.0
THROTTLED_AND_BROKEN = (
    Fault("429", retry_after=RETRY_AFTER),
    Fault("503"),
    Fault("stall"),
    Fault("500"),
    Fault("429", retry_after=RETRY_AFTER),
    Fault("502"),
)


class ChaosProxy:
    """`await start()`, point a client at `url`; `outage(seconds)` to misbehave; `injected` counts
    faults."""

    def __init__(self, upstream: str) -> None:
        self._upstream = upstream.rstrip("/")
        self.injected: Counter[str] = Counter()
        self.forwarded = 0
        self._until = 0.0
        self._faults: itertools.cycle[Fault] | None = None
        self._server: TestServer | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> ChaosProxy:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()
        self._session = aiohttp.ClientSession(auto_decompress=True)
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the proxy first"
        return str(self._server.make_url("")).rstrip("/")

    def outage(self, seconds: float, faults: Sequence[Fault] = THROTTLED_AND_BROKEN) -> None:
        """Misbehave for the next `seconds`, cycling through `faults` (and count them afresh)."""
        self.injected.clear()
        self._faults = itertools.cycle(faults)
        self._until = time.monotonic() + seconds

    @property
    def in_outage(self) -> bool:
        return time.monotonic() < self._until

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.in_outage and self._faults is not None:
            return await self._misbehave(request, next(self._faults))
        return await self._forward(request)

    async def _misbehave(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        self.injected[fault.label] += 1
        await request.read()
        if fault.kind == "stall":
            await asyncio.sleep(max(0.0, min(fault.stall_seconds, self._until - time.monotonic())))
            assert request.transport is not None
            request.transport.close()  # the client sees the connection drop without an answer
            return web.Response(status=504)
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        body = {
            "ok": False,
            "error": "ratelimited" if fault.kind == "429" else "service_unavailable",
        }
        return web.json_response(body, status=int(fault.kind), headers=headers)

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self._session.request(
            request.method,
            self._upstream + request.path_qs,
            data=await request.read(),
            headers=headers,
        ) as upstream:
            body = await upstream.read()
            answer = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            self.forwarded += 1
            return web.Response(status=upstream.status, body=body, headers=answer)
