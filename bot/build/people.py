"""People systems: HR directories (SuccessFactors, Darwinbox), SCIM pushes, and Microsoft Graph
reach."""

from __future__ import annotations

from adapters.db.database import Database
from bot.build.lifecycle import Lifecycle
from bot.hris import GraphReach, build_hr_systems, graph_reach, scim_mount, scim_reconcile
from bot.rewards import Rewards
from bot.settings import Settings


def build_people(
    settings: Settings, database: Database, rewards: Rewards, life: Lifecycle
) -> GraphReach | None:
    """HR syncs every HRIS_SYNC_MINUTES (leased); /scim/v2 with SCIM_TOKEN; Graph with GRAPH_*."""
    hr_systems = build_hr_systems(settings, database, rewards)
    life.run_once_across_replicas(hr_systems.jobs(settings, rewards.milestones))
    life.on_stop.append(hr_systems.close)
    if settings.scim_token is not None:
        # A reconcile heals a half-done push; the mount takes Entra ID's and Okta's pushes.
        life.run_once_across_replicas([scim_reconcile(settings, database, hr_systems.people)])
        life.mounts.append(scim_mount(settings, database, hr_systems.people))
    reach = graph_reach(settings, rewards)  # find Teams users by email, install the app
    if reach is not None:
        life.on_stop.append(reach.close)
    return reach
