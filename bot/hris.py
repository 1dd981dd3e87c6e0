"""The HR-systems side of the composition root: connectors, their scheduled syncs, SCIM and Graph
reach."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.db.database import Database
from bot.rewards import Rewards
from bot.settings import Settings
from core.hris import HrDirectory, HrPeople, HrSync, HrUnavailable, RecognitionRewards, SyncReport
from core.milestones import Milestones
from core.ports import Clock, SystemClock

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


@dataclass
class HrSystems:
    """The configured HR connectors and what they add to the server."""

    people: HrPeople
    syncs: list[HrSync] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def jobs(self, settings: Settings, milestones: Milestones) -> list[tuple[float, Job]]:
        """One leased job per connector: each source syncs on one replica at a time."""
        return [
            (settings.hris_sync_minutes * 60, SyncThenMilestones(s, milestones)) for s in self.syncs
        ]

    async def close(self) -> None:
        for close in self.closers:
            await close()


@dataclass(frozen=True)
class SyncThenMilestones:
    """A connector's sync, then today's milestones when it brought new or changed people: someone
    synced with an anniversary today is celebrated now, not at the milestone job's next hourly run.
    Sending twice is impossible either way (each milestone's request key is unique)."""

    sync: HrSync
    milestones: Milestones

    @property
    def name(self) -> str:
        return self.sync.name

    async def __call__(self) -> SyncReport | None:
        try:
            report = await self.sync.run()
        except (
            HrUnavailable
        ) as exc:  # an outage or refused credentials: said plainly, tried next interval
            log.warning(
                "hr directory unavailable", extra={"source": self.sync.source, "error": str(exc)}
            )
            return None
        if report.added or report.updated:
            await self.milestones.send_due_milestones()
        return report


def build_hr_systems(settings: Settings, database: Database, rewards: Rewards) -> HrSystems:
    store = database.hr_people()
    people = HrPeople(store, RecognitionRewards(rewards.recognition.rewards, rewards.people))
    systems = HrSystems(people)
    for directory, close in _directories(settings):
        systems.syncs.append(HrSync(directory, store, people))
        systems.closers.append(close)
    return systems


def scim_mount(
    settings: Settings, database: Database, people: HrPeople, clock: Clock | None = None
) -> Any:
    """/scim/v2, when SCIM_TOKEN is set."""
    from adapters.scim import ScimApi

    assert settings.scim_token is not None
    api = ScimApi(
        database.pushed_users(),
        people,
        settings.scim_token.get_secret_value(),
        clock or SystemClock(),
        settings.public_base_url,
    )
    return api.mount


def scim_reconcile(settings: Settings, database: Database, people: HrPeople) -> tuple[float, Job]:
    """Every HRIS_SYNC_MINUTES, on one replica: stored SCIM users applied again (a no-op when in
    step)."""
    from adapters.scim.reconcile import ScimReconcile

    return settings.hris_sync_minutes * 60, ScimReconcile(database.pushed_users(), people)


@dataclass(frozen=True)
class GraphReach:
    """Teams reach through Microsoft Graph: the installer for the Teams sender, and its HTTP client
    to close."""

    installer: Any
    close: Callable[[], Awaitable[None]]


def graph_reach(settings: Settings, rewards: Rewards) -> GraphReach | None:
    """With GRAPH_* set: colleagues found by email in the tenant, and the app installed for those
    who lack it."""
    if not settings.graph_enabled:
        return None
    from adapters.graph.client import GraphClient
    from adapters.graph.teams_reach import GraphInstaller, GraphPeople
    from adapters.teams.tenants import TenantPeople
    from core.reach import LookupDirectory

    graph = GraphClient(
        base_url=settings.graph_base_url,
        token_url=settings.resolved_graph_token_url,
        client_id=settings.graph_client_id,
        client_secret=_secret(settings.graph_client_secret),
    )
    if rewards.tenants is not None:
        people = GraphPeople(graph, settings.graph_tenant_id)
        rewards.people.add_fallback(LookupDirectory(people, TenantPeople(rewards.tenants)))
    return GraphReach(GraphInstaller(graph, settings.teams_app_catalog_id), graph.close)


def _directories(settings: Settings) -> list[tuple[HrDirectory, Callable[[], Awaitable[None]]]]:
    found: list[tuple[HrDirectory, Callable[[], Awaitable[None]]]] = []
    if settings.successfactors_enabled:
        from adapters.hris.successfactors import SuccessFactors
        from adapters.hris.successfactors_auth import SuccessFactorsAuth

        auth = SuccessFactorsAuth(
            api_url=settings.successfactors_api_url,
            company_id=settings.successfactors_company_id,
            client_id=settings.successfactors_client_id,
            user_id=settings.successfactors_user_id,
            private_key=_secret(settings.successfactors_private_key),
            username=settings.successfactors_username,
            password=_secret(settings.successfactors_password),
        )
        directory = SuccessFactors(auth)
        found.append((directory, directory.close))
    if settings.darwinbox_enabled:
        from adapters.hris.darwinbox import Darwinbox

        darwinbox = Darwinbox(
            base_url=settings.darwinbox_base_url,
            username=settings.darwinbox_username,
            password=_secret(settings.darwinbox_password),
            api_key=_secret(settings.darwinbox_api_key),
            dataset_key=_secret(settings.darwinbox_dataset_key),
        )
        found.append((darwinbox, darwinbox.close))
    return found


async def sync_now(settings: Settings, dry_run: bool) -> list[SyncReport]:
    """`voucherbot hris sync [--dry-run]`: every configured connector once, from its stored
    cursor."""
    from bot.build.channels import PLATFORMS
    from bot.build.storage import open_database
    from bot.rewards import build_rewards

    database = await open_database(settings)
    rewards = build_rewards(settings, database, platforms=PLATFORMS)
    reach = graph_reach(settings, rewards)  # leavers' rewards are found where they are reached
    systems = build_hr_systems(settings, database, rewards)
    try:
        return [await sync.run(dry_run=dry_run) for sync in systems.syncs]
    finally:
        await systems.close()
        if reach is not None:
            await reach.close()
        await database.dispose()


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
