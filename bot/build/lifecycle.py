"""What the builders hand the server besides their services: routes, start and stop hooks, jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web

Mount = Callable[[web.Application], None]
Job = tuple[float, Callable[[], Awaitable[object]]]  # every so many seconds, this
StartHook = Callable[[int], Awaitable[None]]  # called with the bound port
StopHook = Callable[[], Awaitable[None]]


@dataclass
class Lifecycle:
    """Collected while building; the server mounts the routes and runs the hooks and the jobs."""

    mounts: list[Mount] = field(default_factory=list)
    on_start: list[StartHook] = field(default_factory=list)
    on_stop: list[StopHook] = field(default_factory=list)
    leased: list[Job] = field(default_factory=list)  # run once across replicas (a job lease)
    every_replica: list[Job] = field(default_factory=list)  # each replica keeps its own copy fresh

    def run_once_across_replicas(self, jobs: Iterable[Job]) -> None:
        self.leased.extend(jobs)

    def run_on_every_replica(self, jobs: Iterable[Job]) -> None:
        self.every_replica.extend(jobs)
