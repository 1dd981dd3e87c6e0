"""Re-applies every stored SCIM user to the employees, so a push whose second step failed heals
itself.

A SCIM write stores the resource, then updates the employee; if the process dies in between, the
identity provider sees success or retries into a 409, and the employee would stay stale until the
next change to that user. This pass, run on a schedule, applies what is stored; unchanged people
cost a read.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.scim.resource import SOURCE, person_of
from core.hris import HrPeople, SyncReport
from core.pushed_users import PushedUserStore

PAGE = 200


@dataclass(frozen=True)
class ScimReconcile:
    users: PushedUserStore
    people: HrPeople
    name: str = "scim_reconcile"  # the job's lease name

    async def __call__(self) -> SyncReport:
        total = PAGE
        start, everyone = 1, SyncReport(SOURCE)
        while start <= total:
            total, page = await self.users.find(None, "", start, PAGE)
            report = await self.people.apply(
                [person_of(u.id, u.resource) for u in page], SOURCE, actor="scim"
            )
            everyone.added += report.added
            everyone.updated += report.updated
            everyone.deactivated += report.deactivated
            everyone.unchanged += report.unchanged
            everyone.refused += report.refused
            start += PAGE
        return everyone
