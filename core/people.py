"""The people HR celebrates and what it sends them: employees, their milestones and the rules for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.errors import InvalidRequest
from core.identity import ChatUser
from core.money import Money
from core.sends import MAX_REASON

MAX_TEMPLATE = 400
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class MilestoneKind(StrEnum):
    ANNIVERSARY = "anniversary"
    BIRTHDAY = "birthday"


PLACEHOLDERS = {
    MilestoneKind.ANNIVERSARY: frozenset({"name", "years"}),
    MilestoneKind.BIRTHDAY: frozenset({"name"}),
}


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


@dataclass(frozen=True)
class MilestoneRule:
    """What HR sends for a kind of milestone: an amount from a programme, with a message template."""

    kind: MilestoneKind
    programme_id: str
    amount: Money
    template: str
    enabled: bool = True
    from_manager: bool = False  # name the employee's manager (from the HR system) as the giver

    def __post_init__(self) -> None:
        check_template(self.kind, self.template)

    def message(self, milestone: Milestone) -> str:
        values = {"name": milestone.employee.name, "years": str(milestone.years or "")}
        text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.template)
        return text[:MAX_REASON]


def check_template(kind: MilestoneKind, template: str) -> None:
    """Only `{name}` (and `{years}` for anniversaries) may appear: HR's text is data, never code."""
    if not template.strip() or len(template) > MAX_TEMPLATE:
        raise InvalidRequest(f"A milestone message has 1 to {MAX_TEMPLATE} characters.")
    unknown = set(_PLACEHOLDER.findall(template)) - PLACEHOLDERS[kind]
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS[kind]))
        raise InvalidRequest(
            f"Unknown placeholder(s) {sorted(unknown)} in the {kind} message; use {allowed}."
        )
