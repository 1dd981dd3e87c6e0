"""HR systems as a directory of people: the port connectors implement, and syncing them into
employees.

A connector (SuccessFactors, Darwinbox) answers "who changed since this cursor"; SCIM pushes one
person at a time. Either way a person lands here as an `HrPerson` and becomes an `Employee` through
`HrPeople`, which also deactivates leavers and cancels the rewards they had not spent. Nothing a
person's record holds is logged: only counts and the source's name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Protocol

from core.errors import InvalidRequest
from core.milestone_calendar import Employee, MonthDay
from core.views import RewardSummary

if TYPE_CHECKING:
    from core.employees import EmployeeDirectory
    from core.reward_life import RewardLife

log = logging.getLogger(__name__)
SYNC_ACTOR = "system:hris"
PENDING = frozenset({"sent", "opened"})


@dataclass(frozen=True)
class HrPerson:
    """One person as an HR system describes them; `start_date` is the hire date (or the last
    rehire)."""

    source: str
    person_id: str
    email: str
    name: str
    start_date: date | None
    birthday: MonthDay | None = None  # day and month only: the year is never asked for
    active: bool = True
    country: str = ""
    manager_id: str = ""
    time_zone: str = ""


@dataclass(frozen=True)
class HrChanges:
    """People changed since a cursor, and the cursor to ask from next time."""

    people: tuple[HrPerson, ...]
    cursor: str


class HrDirectory(Protocol):
    """An HR system that can be asked for changes (SuccessFactors, Darwinbox)."""

    source: str

    async def changes(self, since: str | None) -> HrChanges:
        """Everyone changed since `since` (everyone when None); raises HrUnavailable when it cannot
        answer."""
        ...


class HrPeopleStore(Protocol):
    """Employees as HR systems know them, with each source's sync cursor."""

    async def by_people(self, source: str, person_ids: Sequence[str]) -> dict[str, Employee]:
        """Those of `person_ids` already known, by person id (one query per few hundred people)."""
        ...

    async def apply(self, employees: Sequence[Employee], actor: str) -> None:
        """Add or update by (source, person id), taking over a row with the same email from a file
        import."""
        ...

    async def cursor(self, source: str) -> str | None: ...

    async def set_cursor(self, source: str, cursor: str) -> None: ...


class RewardsOfPeople(Protocol):
    """The part of recognition that leavers need: their rewards, and cancelling one."""

    async def rewards_of(self, employee: Employee) -> Sequence[RewardSummary]: ...

    async def cancel(self, reward_id: str, actor: str) -> RewardSummary: ...


class RecognitionRewards:
    """RewardsOfPeople over RewardLife: an employee's rewards are those of the chat identity they
    are reached at."""

    def __init__(self, rewards: RewardLife, people: EmployeeDirectory) -> None:
        self._rewards = rewards
        self._people = people

    async def rewards_of(self, employee: Employee) -> Sequence[RewardSummary]:
        recipient = await self._people.reach(employee)
        return await self._rewards.rewards_for(recipient.user) if recipient is not None else ()

    async def cancel(self, reward_id: str, actor: str) -> RewardSummary:
        return await self._rewards.cancel(reward_id, actor)


class HrUnavailable(Exception):
    """The HR system could not be asked (down, refused our credentials, or answered nonsense)."""


@dataclass
class SyncReport:
    """What a sync did, or would do in a dry run: emails by what happens to them."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (person id, why)
    rewards_cancelled: int = 0
    cursor: str | None = None

    def lines(self) -> list[str]:
        """What an operator reads after `voucherbot hris sync` (emails only, nothing else of a
        person)."""
        counts = (
            f"{self.source}: {len(self.added)} new, {len(self.updated)} changed, "
            f"{len(self.deactivated)} leaving, {self.unchanged} unchanged, {len(self.refused)} "
            f"refused"
        )
        lines = [counts]
        lines += [f"  add {email}" for email in self.added]
        lines += [f"  update {email}" for email in self.updated]
        lines += [f"  deactivate {email}" for email in self.deactivated]
        lines += [f"  refuse {person}: {why}" for person, why in self.refused]
        return lines


def employee_of(person: HrPerson) -> Employee:
    """The employee an HR record makes; InvalidRequest says what is missing."""
    if not person.person_id.strip():
        raise InvalidRequest("no id in the HR system")
    email = person.email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidRequest("no work email")
    name = " ".join(person.name.split())[:100]
    if not name:
        raise InvalidRequest("no name")
    if person.start_date is None:
        raise InvalidRequest("no start date")
    return Employee(
        email=email,
        name=name,
        start_date=person.start_date,
        birthday=person.birthday,
        source=person.source,
        person_id=person.person_id,
        active=person.active,
        country=person.country.upper()[:2],
        manager_id=person.manager_id,
        time_zone=person.time_zone,
    )


class HrPeople:
    """Applies HR records to employees: the one place leavers are handled, for syncs and SCIM
    alike."""

    def __init__(self, store: HrPeopleStore, rewards: RewardsOfPeople) -> None:
        self._store = store
        self._rewards = rewards

    async def apply(
        self,
        people: Sequence[HrPerson],
        source: str,
        *,
        dry_run: bool = False,
        actor: str = SYNC_ACTOR,
    ) -> SyncReport:
        report = SyncReport(source)
        changed: list[Employee] = []
        leavers: list[Employee] = []
        known: dict[tuple[str, str], Employee] = {}
        for source_of in {p.source for p in people}:
            ids = [p.person_id for p in people if p.source == source_of]
            known |= {
                (source_of, k): e for k, e in (await self._store.by_people(source_of, ids)).items()
            }
        emails: dict[str, str] = {}
        for person in people:
            try:
                employee = employee_of(person)
                if emails.setdefault(employee.email, person.person_id) != person.person_id:
                    raise InvalidRequest(f"the same email as {emails[employee.email]}")
            except InvalidRequest as exc:
                report.refused.append((person.person_id, str(exc)))
                continue
            before = known.get((person.source, person.person_id))
            if before is not None and before.user is not None:
                employee = replace(
                    employee, user=before.user
                )  # the chat identity is ours, not HR's
            if before == employee:
                report.unchanged += 1
                continue
            changed.append(employee)
            if not employee.active and (before is None or before.active):
                report.deactivated.append(employee.email)
                leavers.append(employee)
            elif before is None:
                report.added.append(employee.email)
            else:
                report.updated.append(employee.email)
        if not dry_run and changed:
            await self._store.apply(changed, actor)
            for leaver in leavers:
                report.rewards_cancelled += await self._cancel_pending(leaver)
        return report

    async def _cancel_pending(self, leaver: Employee) -> int:
        """Cancel what a leaver has not spent, releasing it to the budget; one held by an order
        waits."""
        cancelled = 0
        for reward in await self._rewards.rewards_of(leaver):
            if reward.status not in PENDING:
                continue
            try:
                await self._rewards.cancel(reward.reward_id, SYNC_ACTOR)
                cancelled += 1
            except InvalidRequest:  # an order is paying with it right now: it is left to expire
                log.info(
                    "leaver's reward is held by an order", extra={"reward_id": reward.reward_id}
                )
        return cancelled


class HrSync:
    """Pulls one HR system's changes since its cursor and applies them (or shows them, in a dry
    run)."""

    def __init__(self, directory: HrDirectory, store: HrPeopleStore, people: HrPeople) -> None:
        self.source = directory.source
        self._directory = directory
        self._store = store
        self._people = people

    async def run(self, dry_run: bool = False) -> SyncReport:
        since = await self._store.cursor(self.source)
        changes = await self._directory.changes(since)
        report = await self._people.apply(changes.people, self.source, dry_run=dry_run)
        report.cursor = changes.cursor
        if not dry_run:
            await self._store.set_cursor(self.source, changes.cursor)
            log.info(
                "hr directory synced",
                extra={
                    "source": self.source,
                    "added": len(report.added),
                    "updated": len(report.updated),
                    "deactivated": len(report.deactivated),
                    "refused": len(report.refused),
                    "rewards_cancelled": report.rewards_cancelled,
                },
            )
        return report

    @property
    def name(self) -> str:
        """The job's lease name: one sync of a source at a time across replicas."""
        return f"hris_sync_{self.source}"

    async def __call__(self) -> SyncReport:
        return await self.run()
