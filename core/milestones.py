"""Milestones: employees' work anniversaries and birthdays, rewarded once on the day from a
programme."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser
from core.milestone_calendar import Employee, Milestone, MilestoneKind, milestones_between
from core.milestone_rules import (
    MAX_TEMPLATE as MAX_TEMPLATE,
)
from core.milestone_rules import (
    PLACEHOLDERS as PLACEHOLDERS,
)
from core.milestone_rules import (
    MilestoneRule as MilestoneRule,
)
from core.milestone_rules import (
    check_template as check_template,
)
from core.money import Money
from core.programmes import choose_programme
from core.recognition import Recognition
from core.reward_sends import SendRewards

if TYPE_CHECKING:
    from core.employees import EmployeeDirectory
    from core.ports import Clock, EmployeeStore, MilestoneRuleStore

log = logging.getLogger(__name__)
# Who milestone rewards come from: a scheduled job, allowed by RewardSender.send_trusted and audited
# as such.
MILESTONE_GIVER = ChatUser("system", "", "milestones", "HR")
Managers = dict[
    tuple[str, str], str
]  # (source, person id) -> name, for rules that name the manager as giver


@dataclass(frozen=True)
class MilestonePreview:
    """An upcoming milestone as an admin sees it, with the reward and message it will get."""

    on: date
    kind: MilestoneKind
    name: str
    email: str
    years: int | None
    amount: Money | None  # None: no rule for this kind, nothing will be sent
    message: str


@dataclass
class MilestoneReport:
    """What one run of the milestone job did."""

    sent: list[tuple[str, MilestoneKind, str]] = field(
        default_factory=list
    )  # (email, kind, reward id)
    already_sent: int = 0
    unreachable: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (email, why)


class Milestones:
    """Sends milestone rewards on the day (catching up `catch_up_days` missed days) and previews
    them."""

    def __init__(
        self,
        *,
        recognition: Recognition,
        employees: EmployeeStore,
        rules: MilestoneRuleStore,
        people: EmployeeDirectory,
        clock: Clock,
        catch_up_days: int = 3,
    ) -> None:
        self._recognition = recognition
        self._employees = employees
        self._rules = rules
        self._people = people
        self._clock = clock
        self._catch_up = timedelta(days=catch_up_days)

    async def set_rule(self, rule: MilestoneRule, actor: str) -> None:
        # The one programme chooser: the programme named must exist and pay in the rule's currency.
        choose_programme(
            await self._recognition.budgets.programmes(),
            programme_id=rule.programme_id,
            currency=rule.amount.currency,
        )
        await self._rules.put(rule, actor)

    async def rules(self) -> list[MilestoneRule]:
        return sorted(await self._rules.all(), key=lambda r: r.kind)

    async def preview(self, days: int = 30, today: date | None = None) -> list[MilestonePreview]:
        """Milestones from today to `days` days ahead, with the reward each will get."""
        start = today or self._today()
        rules = {r.kind: r for r in await self._rules.all() if r.enabled}
        employees = [e for e in await self._employees.all() if e.active]
        upcoming = milestones_between(employees, start, start + timedelta(days=days))
        return [_preview(m, rules.get(m.kind)) for m in upcoming]

    async def send_due_milestones(self, today: date | None = None) -> MilestoneReport:
        """Send each due milestone's reward; running again sends nothing twice (the request key is
        yearly)."""
        rules = {r.kind: r for r in await self._rules.all() if r.enabled}
        report = MilestoneReport()
        if not rules:
            return report
        due = []
        everyone = await self._employees.all()
        managers = {(e.source, e.person_id): e.name for e in everyone if e.person_id}
        for zone, employees in _by_time_zone(everyone).items():
            local_end = today or self._today(zone)
            due += milestones_between(employees, local_end - self._catch_up, local_end)
        for milestone in due:
            rule = rules.get(milestone.kind)
            if rule is not None:
                await self._send(milestone, rule, report, managers)
        if report.sent or report.refused or report.unreachable:
            log.info(
                "milestones sent",
                extra={
                    "sent": len(report.sent),
                    "refused": len(report.refused),
                    "unreachable": len(report.unreachable),
                },
            )
        return report

    async def _send(
        self, milestone: Milestone, rule: MilestoneRule, report: MilestoneReport, managers: Managers
    ) -> None:
        email = milestone.employee.email
        recipient = await self._people.reach(milestone.employee)
        if recipient is None:
            report.unreachable.append(email)
            return
        command = SendRewards(
            giver=_giver(milestone.employee, rule, managers),
            recipients=(recipient,),
            amount=rule.amount,
            reason=rule.message(milestone),
            programme_id=rule.programme_id,
            request_key=milestone.request_key,
        )
        try:
            sent = await self._recognition.sender.send_trusted(command)
        except (InvalidRequest, NotFound) as exc:  # e.g. the budget ran out: tried again next run
            report.refused.append((email, str(exc)))
            return
        if sent.sent:
            report.sent.append((email, milestone.kind, sent.sent[0].reward_id))
        else:
            report.already_sent += 1

    def _today(self, zone: str = "") -> date:
        now = self._clock.now()
        return now.astimezone(_zone(zone)).date() if zone and now.tzinfo else now.date()


def _giver(employee: Employee, rule: MilestoneRule, managers: Managers) -> ChatUser:
    """HR, or with `from_manager` the employee's manager by name (the audit still names the job)."""
    manager = managers.get((employee.source, employee.manager_id)) if employee.manager_id else None
    if rule.from_manager and manager:
        return replace(MILESTONE_GIVER, name=manager)
    return MILESTONE_GIVER


def _by_time_zone(employees: Iterable[Employee]) -> dict[str, list[Employee]]:
    """Active employees by time zone: a birthday starts at midnight where the person is."""
    groups: dict[str, list[Employee]] = {}
    for employee in employees:
        if employee.active:
            groups.setdefault(employee.time_zone, []).append(employee)
    return groups


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC  # an unknown zone name from an HR system must not stop everyone's milestones


def _preview(milestone: Milestone, rule: MilestoneRule | None) -> MilestonePreview:
    return MilestonePreview(
        on=milestone.on,
        kind=milestone.kind,
        name=milestone.employee.name,
        email=milestone.employee.email,
        years=milestone.years,
        amount=rule.amount if rule else None,
        message=rule.message(milestone) if rule else "",
    )
