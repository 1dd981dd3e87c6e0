"""The calendar of milestones: who is celebrated (Employee), and which anniversaries and birthdays
fall when."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.identity import ChatUser


class MilestoneKind(StrEnum):
    ANNIVERSARY = "anniversary"
    BIRTHDAY = "birthday"


@dataclass(frozen=True, order=True)
class MonthDay:
    """A birthday without its year: the year is not needed to celebrate it, so it is not kept."""

    month: int
    day: int

    def __post_init__(self) -> None:
        date(2000, self.month, self.day)  # 2000 is a leap year: 02-29 is a valid birthday

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Employee:
    """Someone HR celebrates; `user` is their chat identity when known (else found by email)."""

    email: str
    name: str
    start_date: date
    birthday: MonthDay | None = None
    user: ChatUser | None = None
    # From an HR system (core.hris): which one and its id for the person; leavers stay, inactive.
    source: str = ""
    person_id: str = ""
    active: bool = True
    country: str = ""  # ISO 3166-1 alpha-2
    manager_id: str = ""  # the manager's person_id in the same source
    time_zone: str = ""  # IANA name; milestones fall on the employee's own day (UTC when unknown)


@dataclass(frozen=True)
class Milestone:
    employee: Employee
    kind: MilestoneKind
    on: date
    years: int | None = None  # completed years of service, for anniversaries

    @property
    def request_key(self) -> str:
        """One reward per employee, kind and year, however often the job runs."""
        return f"milestone:{self.employee.email}:{self.kind}:{self.on.year}"


def occurrence(month: int, day: int, year: int) -> date:
    """The day a yearly date falls on in `year`: 29 February is kept on the 28th in common years."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def milestones_between(employees: Iterable[Employee], start: date, end: date) -> list[Milestone]:
    """Anniversaries (one year or more) and birthdays from `start` to `end`, both included, by
    date."""
    found = []
    for employee in employees:
        for year in range(start.year, end.year + 1):
            found += _in_year(employee, year)
    due = [m for m in found if start <= m.on <= end]
    return sorted(due, key=lambda m: (m.on, m.kind, m.employee.email))


def _in_year(employee: Employee, year: int) -> list[Milestone]:
    milestones = []
    years = year - employee.start_date.year
    if years >= 1:
        on = occurrence(employee.start_date.month, employee.start_date.day, year)
        milestones.append(Milestone(employee, MilestoneKind.ANNIVERSARY, on, years))
    if employee.birthday is not None:
        on = occurrence(employee.birthday.month, employee.birthday.day, year)
        milestones.append(Milestone(employee, MilestoneKind.BIRTHDAY, on))
    return milestones
