"""What HR sends for a kind of milestone: a programme, an amount and a message template, checked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InvalidRequest
from core.milestone_calendar import Milestone, MilestoneKind
from core.money import Money
from core.reward_sends import MAX_REASON

MAX_TEMPLATE = 400
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


PLACEHOLDERS = {
    MilestoneKind.ANNIVERSARY: frozenset({"name", "years"}),
    MilestoneKind.BIRTHDAY: frozenset({"name"}),
}


@dataclass(frozen=True)
class MilestoneRule:
    """What HR sends for a kind of milestone: an amount from a programme, with a message
    template."""

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
