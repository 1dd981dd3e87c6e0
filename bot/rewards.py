"""The rewards side of the composition root: recognition, milestones, the HR API and their scheduled
jobs."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from adapters.db.database import Database
from adapters.web.hr_api import HrApi
from bot.settings import Environment, Settings
from core.api_keys import ApiKeys
from core.approval_gate import ApprovalGate, ApproverAddress
from core.approvals import Approvals
from core.employees import EmployeeDirectory
from core.errors import DuplicateRequest
from core.identity import ConversationRef
from core.milestones import Milestones
from core.money import Money
from core.platforms import AddressFor, ChatPlatform, platform_names
from core.ports import (
    Clock,
    EmployeeStore,
    IdFactory,
    PendingConfirmations,
    RandomIds,
    SystemClock,
    TenantEndpoints,
)
from core.recognition import Recognition
from core.rewards import Programme

if TYPE_CHECKING:
    from adapters.slack.app import SlackChannel

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]
EXPIRY_SECONDS = 600.0
MILESTONE_SECONDS = 3600.0
DEVELOPMENT_PROGRAMME = "recognition"
DEVELOPMENT_BUDGET = Money(100_000, "USD")


@dataclass(frozen=True)
class Rewards:
    """Everything rewards need at run time, built once from the settings and the database."""

    recognition: Recognition
    milestones: Milestones
    people: EmployeeDirectory
    employees: EmployeeStore
    api_keys: ApiKeys
    hr_api: HrApi
    reminders: bool = True
    tenants: TenantEndpoints | None = (
        None  # Teams: each tenant's Connector URL, remembered from activities
    )
    confirmations: PendingConfirmations | None = (
        None  # rewards awaiting Send (Slack, Teams), shared by replicas
    )
    approvals: Approvals | None = None  # sends held for an approver (core.approvals)
    approval_check_seconds: float = 60.0
    platforms: tuple[ChatPlatform, ...] = ()  # the chat platforms served (bot/build/channels.py)

    def jobs(self) -> list[tuple[float, Job]]:
        """Scheduled work for the Workers' periodic list (each job's name is its lease's name)."""
        jobs: list[tuple[float, Job]] = [(EXPIRY_SECONDS, self.recognition.rewards.expire_due)]
        if self.reminders:
            jobs.append((EXPIRY_SECONDS, self.recognition.rewards.remind_due))
        jobs.append((MILESTONE_SECONDS, self.milestones.send_due_milestones))
        if self.approvals is not None:
            approvals = self.approvals

            async def expire_approvals() -> int:  # its own name: the job's lease is named after it
                return await approvals.expire_due()

            jobs.append((self.approval_check_seconds, expire_approvals))
        return jobs


def build_rewards(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    *,
    platforms: Sequence[ChatPlatform],
) -> Rewards:
    """`platforms`: the platform registry (bot.build.channels.PLATFORMS)."""
    clock, ids = clock or SystemClock(), ids or RandomIds()
    addresses = chat_addresses(tenants := database.teams_tenants(), platforms)
    stores = database.hr_stores()
    recognition = Recognition(
        uow=database.unit_of_work,
        clock=clock,
        ids=ids,
        configured_admins=settings.reward_admins,
        remind_before=timedelta(days=settings.reward_reminder_days),
        gate=ApprovalGate(clock, ids, approver_address(addresses, stores.employees, platforms)),
    )
    approvals = Approvals(uow=database.unit_of_work, clock=clock, ids=ids, recognition=recognition)
    people = EmployeeDirectory(stores.employees, addresses)
    milestones = Milestones(
        recognition=recognition,
        employees=stores.employees,
        rules=stores.rules,
        people=people,
        clock=clock,
    )
    api_keys = ApiKeys(stores.api_keys, clock, ids)
    hr_api = HrApi(
        recognition=recognition,
        milestones=milestones,
        people=people,
        employees=stores.employees,
        api_keys=api_keys,
        idempotency=stores.idempotency,
        clock=clock,
        ids=ids,
        platforms=platform_names(platforms),
    )
    return Rewards(
        recognition,
        milestones,
        people,
        stores.employees,
        api_keys,
        hr_api,
        settings.reward_reminder_days > 0,
        tenants,
        database.pending_confirmations(),
        approvals,
        settings.approval_expiry_check_seconds,
        tuple(platforms),
    )


def chat_addresses(
    tenants: TenantEndpoints, platforms: Sequence[ChatPlatform]
) -> dict[str, AddressFor]:
    """Private-chat addresses each platform's descriptor can make from ids (Slack: a DM with the
    user id; Teams: a 1:1 chat by Entra object id in a tenant `tenants` keeps the endpoint of)."""
    return {
        platform.name: platform.private_chat(tenants)
        for platform in platforms
        if platform.private_chat is not None
    }


def approver_address(
    addresses: Mapping[str, AddressFor],
    employees: EmployeeStore | None,
    platforms: Sequence[ChatPlatform],
) -> ApproverAddress:
    """Where an approver (`slack:U…`, `teams:<Entra id>`) gets their card: a private chat in the
    workspace or tenant of a conversation `near` the send (the giver's, a recipient's) on the
    approver's platform; with nothing near (`near` None), in the workspace or tenant their
    employee record names; each platform's descriptor reads a conversation's workspace."""
    workspaces = {p.name: p.workspace_of for p in platforms if p.workspace_of is not None}

    async def address(identity: str, near: ConversationRef | None) -> ConversationRef | None:
        platform, _, user_id = identity.partition(":")
        if platform not in addresses:
            return None
        if near is None:
            workspace = await _recorded_workspace(employees, platform, user_id)
        else:
            read = workspaces.get(platform) if near.platform == platform else None
            workspace = read(near) if read is not None else None
        if workspace is None:
            return None
        found = addresses[platform](workspace, user_id)
        return await found if inspect.isawaitable(found) else found

    return address


async def _recorded_workspace(
    employees: EmployeeStore | None, platform: str, user_id: str
) -> str | None:
    """The workspace or tenant an employee record gives this chat id (HR imports name people's chat
    ids)."""
    if employees is None:
        return None
    for (
        employee
    ) in await employees.all():  # approvals are rare, and the store has no index by bare id
        user = employee.user
        if (
            user is not None
            and (user.platform, user.user_id) == (platform, user_id)
            and user.tenant
        ):
            return user.tenant
    return None


def find_people_in_slack(rewards: Rewards, slack: SlackChannel) -> None:
    """HR systems and milestones name people by email: a single-workspace Slack install answers for
    those no employee record names (a multi-workspace install cannot tell which workspace is
    meant)."""
    directory = slack.workspace_directory()
    if directory is not None:
        rewards.people.add_fallback(directory)


async def seed_development_programme(settings: Settings, recognition: Recognition) -> None:
    """In development only: a programme with a test budget, so the reward flow can be tried at
    once."""
    if (
        settings.environment is not Environment.DEVELOPMENT
        or await recognition.budgets.programmes()
    ):
        return
    try:
        # Card top-up allowed here (programmes start without it) so the whole flow, card included,
        # can be tried.
        programme = Programme(DEVELOPMENT_PROGRAMME, "Recognition", "USD", card_topup=True)
        await recognition.budgets.create_programme(programme, "system:development")
    except DuplicateRequest:
        return  # another process created it first
    await recognition.budgets.credit(
        DEVELOPMENT_PROGRAMME,
        DEVELOPMENT_BUDGET,
        "system:development",
        note="development test budget",
    )
    log.warning(
        "DEVELOPMENT: created the reward programme 'recognition' with a 1,000 USD test budget",
        extra={"programme": DEVELOPMENT_PROGRAMME},
    )
