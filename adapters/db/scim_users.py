"""core.pushed_users.PushedUserStore over SQL: SCIM users with a version per row for ETags and
conditional writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from adapters.db.hr_repositories import _Store
from adapters.db.hr_tables import ScimUserRow
from adapters.db.mapping import utc
from adapters.db.transaction import Transaction
from core.errors import ConcurrentUpdate, NotFound
from core.pushed_users import PushedUser


class SqlPushedUsers(_Store):
    """userName is unique case-insensitively (RFC 7643 §4.1.1): the column holds it lower-cased."""

    async def add(self, user: PushedUser) -> None:
        await self._write(
            lambda tx: tx.insert([_row(user)], duplicate_key=f"userName {user.user_name}")
        )

    async def get(self, user_id: str) -> PushedUser | None:
        rows = await self._read(select(ScimUserRow).where(col(ScimUserRow.id) == user_id))
        return _user(rows[0]) if rows else None

    async def find(
        self, attribute: str | None, value: str, start: int, count: int
    ) -> tuple[int, Sequence[PushedUser]]:
        query = select(ScimUserRow)
        if attribute == "userName":
            query = query.where(col(ScimUserRow.user_name) == value.lower())
        elif attribute == "externalId":
            query = query.where(col(ScimUserRow.external_id) == value)
        total_query = select(func.count()).select_from(query.subquery())
        tx = Transaction(self._sessions(), self._gate)
        try:
            total = int((await tx.execute(total_query)).scalar_one())
            page = await tx.rows(
                query.order_by(col(ScimUserRow.created_at), col(ScimUserRow.id))
                .offset(start - 1)
                .limit(count)
            )
        finally:
            await tx.close()
        return total, [_user(r) for r in page]

    async def replace(self, user: PushedUser, expected: int | None) -> None:
        values = _row(user).model_dump(exclude={"id", "created_at"})

        async def work(tx: Transaction) -> None:
            statement = update(ScimUserRow).where(col(ScimUserRow.id) == user.id)
            if expected is not None:
                statement = statement.where(col(ScimUserRow.version) == expected)
            changed = await tx.execute(
                statement.values(**values), duplicate_key=f"userName {user.user_name}"
            )
            if not getattr(changed, "rowcount", 0):
                await _explain(tx, user.id)

        await self._write(work)

    async def remove(self, user_id: str, expected: int | None) -> None:
        async def work(tx: Transaction) -> None:
            statement = delete(ScimUserRow).where(col(ScimUserRow.id) == user_id)
            if expected is not None:
                statement = statement.where(col(ScimUserRow.version) == expected)
            if not getattr(await tx.execute(statement), "rowcount", 0):
                await _explain(tx, user_id)

        await self._write(work)


async def _explain(tx: Transaction, user_id: str) -> None:
    if await tx.rows(select(ScimUserRow).where(col(ScimUserRow.id) == user_id)):
        raise ConcurrentUpdate(user_id)
    raise NotFound(user_id)


def _row(user: PushedUser) -> ScimUserRow:
    return ScimUserRow(
        id=user.id,
        user_name=user.user_name.lower(),
        external_id=user.external_id,
        resource=json.dumps(user.resource, separators=(",", ":"), sort_keys=True),
        version=user.version,
        created_at=utc(user.created_at),
        updated_at=utc(user.updated_at),
    )


def _user(row: ScimUserRow) -> PushedUser:
    resource: dict[str, Any] = json.loads(row.resource)
    return PushedUser(
        row.id,
        row.user_name,
        row.external_id,
        resource,
        row.version,
        row.created_at,
        row.updated_at,
    )
