"""core.hris.HrPeopleStore over SQL: employees owned by an HR system, keyed by (source, person
id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from adapters.db.hr_repositories import _Store, employee_of_row, employee_row
from adapters.db.hr_tables import EmployeeRow, HrCursorRow
from adapters.db.mapping import utc
from adapters.db.transaction import Transaction
from core.audit import AuditRecord
from core.milestone_calendar import Employee

CHUNK = 500  # ids per IN list: well under SQLite's and asyncpg's parameter limits


class SqlHrPeople(_Store):
    """One transaction per call; an email change in HR moves the row, it does not make a second
    employee."""

    async def by_people(self, source: str, person_ids: Sequence[str]) -> dict[str, Employee]:
        found: dict[str, Employee] = {}
        unique = sorted(set(person_ids))
        for start in range(0, len(unique), CHUNK):
            query = select(EmployeeRow).where(
                col(EmployeeRow.source) == source,
                col(EmployeeRow.person_id).in_(unique[start : start + CHUNK]),
            )
            found |= {row.person_id or "": employee_of_row(row) for row in await self._read(query)}
        return found

    async def apply(self, employees: Sequence[Employee], actor: str) -> None:
        now = self._clock.now()

        async def work(tx: Transaction) -> None:
            for employee in employees:
                await self._apply_one(tx, _row(employee, now))

        if employees:
            # Counts only: an HR record's contents are personal data and stay out of the audit
            # trail.
            left = sum(not e.active for e in employees)
            audit = AuditRecord(
                actor,
                "employees.synced",
                employees[0].source,
                None,
                {"rows": len(employees), "inactive": left},
            )
            await self._write(work, audit)

    async def _apply_one(self, tx: Transaction, row: dict[str, Any]) -> None:
        existing = await tx.rows(_person(row["source"], row["person_id"]))
        if existing and existing[0].email != row["email"]:
            # The person's email changed: a file-imported row under the new email gives way to this
            # one.
            await tx.execute(delete(EmployeeRow).where(col(EmployeeRow.email) == row["email"]))
            await tx.execute(
                update(EmployeeRow).where(col(EmployeeRow.email) == existing[0].email).values(**row)
            )
            return
        statement = self._insert(tx)(EmployeeRow).values(**row)
        changes = {c: statement.excluded[c] for c in row if c != "email"}
        await tx.execute(statement.on_conflict_do_update(index_elements=["email"], set_=changes))

    async def cursor(self, source: str) -> str | None:
        rows = await self._read(select(HrCursorRow).where(col(HrCursorRow.source) == source))
        return rows[0].cursor if rows else None

    async def set_cursor(self, source: str, cursor: str) -> None:
        row = {"source": source, "cursor": cursor, "synced_at": utc(self._clock.now())}

        async def work(tx: Transaction) -> None:
            statement = self._insert(tx)(HrCursorRow).values(**row)
            changes = {
                "cursor": statement.excluded.cursor,
                "synced_at": statement.excluded.synced_at,
            }
            await tx.execute(
                statement.on_conflict_do_update(index_elements=["source"], set_=changes)
            )

        await self._write(work)


def _person(source: str, person_id: str) -> Any:
    return select(EmployeeRow).where(
        col(EmployeeRow.source) == source, col(EmployeeRow.person_id) == person_id
    )


def _row(employee: Employee, now: Any) -> dict[str, Any]:
    return employee_row(employee, now) | {
        "source": employee.source,
        "person_id": employee.person_id,
        "active": employee.active,
        "country": employee.country or None,
        "manager_id": employee.manager_id or None,
        "time_zone": employee.time_zone or None,
    }
