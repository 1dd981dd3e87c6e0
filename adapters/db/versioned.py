"""Aggregates with an optimistic version: added and saved at commit, a save only if nobody saved
since."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Update, bindparam, select, update
from sqlalchemy import Table as CoreTable
from sqlmodel import col

from adapters.db.tables import Table
from adapters.db.transaction import Transaction, values
from core.errors import ConcurrentUpdate


class Aggregate(Protocol):
    id: str
    version: int


D = TypeVar("D", bound=Aggregate)
R = TypeVar("R", bound=Table)


class VersionedRepository(Generic[D, R]):
    """Base of the order, programme and reward repositories (the shape of core.ports' versioned
    ports).

    `version` on a domain object is the version read; the UPDATE at commit matches on it, so a
    writer that lost a race gets ConcurrentUpdate instead of overwriting. After commit the objects
    hold the new version. Subclasses give the row type and the mapping.
    """

    row_type: type[R]
    # Whether get() returns what this unit of work added or saved (as the in-memory fake does for
    # rewards and programmes) rather than the stored state.
    read_staged = False

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._added: dict[str, D] = {}
        self._saved: dict[str, D] = {}

    def to_row(self, item: D) -> R:
        raise NotImplementedError

    def to_domain(self, row: R) -> D:
        raise NotImplementedError

    def to_values(self, item: D) -> dict[str, Any]:
        """The row's columns as plain values (a subclass may map them without building a row)."""
        return values(self.to_row(item), self._table)

    def not_found(self, item_id: str) -> Exception:
        raise NotImplementedError

    def unique_key(self, item: D) -> str:
        """What a DuplicateRequest names when the INSERT at commit hits a unique key."""
        return item.id

    async def add(self, item: D) -> None:
        self._added[item.id] = item

    async def get(self, item_id: str) -> D:
        staged = self._added.get(item_id) or self._saved.get(item_id)
        if self.read_staged and staged is not None:
            return copy.deepcopy(staged)
        found = await self._find("id", item_id)
        if found is None:
            raise self.not_found(item_id)
        return found

    async def save(self, item: D) -> None:
        if item.id in self._added:
            self._added[item.id] = item
        else:
            self._saved[item.id] = item

    @property
    def pending(self) -> bool:
        return bool(self._added or self._saved)

    async def write(self) -> None:
        """INSERT what was added, then UPDATE what was saved where its version is unchanged."""
        for item in self._added.values():
            row = self.to_values(item) | {"version": 1}
            await self._tx.insert_values(self._table, [row], self.unique_key(item))
        saved = list(self._saved.values())
        if len(saved) > 1 and self._tx.gate.sqlite:
            await self._update_many(saved)
            return
        for item in saved:
            await self._update(item)

    def written(self) -> None:
        """After commit: the domain objects now hold the version the database holds."""
        for item in self._added.values():
            item.version = 1
        for item in self._saved.values():
            item.version += 1
        self._added, self._saved = {}, {}

    async def _update(self, item: D) -> None:
        result = await self._tx.run(
            _versioned_update(self.row_type),
            [self._params(item)],
            duplicate_key=self.unique_key(item),
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(item.id)

    async def _update_many(self, items: list[D]) -> None:
        """One statement executed for every item (a relay's batch of delivered orders). SQLite only:
        there this transaction is the single writer by now, so the versions read first stay true
        until commit and name the item someone saved since it was read."""
        ids = [{"ids": [item.id for item in items]}]
        rows = await self._tx.execute(_versions(self.row_type), ids)
        stored = {item_id: version for item_id, version in rows}
        stale = next((item.id for item in items if stored.get(item.id) != item.version), None)
        if stale is not None:
            raise ConcurrentUpdate(stale)
        params = [self._params(item) for item in items]
        key = self.unique_key(items[0])
        result = await self._tx.run(_versioned_update(self.row_type), params, duplicate_key=key)
        if result.rowcount != len(items):  # type: ignore[attr-defined]
            raise ConcurrentUpdate(items[0].id)

    def _params(self, item: D) -> dict[str, Any]:
        values = self.to_values(item) | {"version": item.version + 1}
        return values | {"b_id": values.pop("id"), "b_version": item.version}

    async def _find(self, column: str, value: object) -> D | None:
        """The first item whose `column` equals `value`, by a statement compiled once per column;
        a Core row has the ORM row's attributes, so it is mapped without building the ORM row."""
        row = await self._tx.first(_first_where(self._table, column), {"value": value})
        return None if row is None else self.to_domain(cast(R, row))

    @property
    def _table(self) -> CoreTable:
        return self.row_type.__table__  # type: ignore[attr-defined,no-any-return]

    def _column(self, name: str) -> Any:
        return col(getattr(self.row_type, name))

    def _select(self) -> Select[R]:
        return select(self.row_type)

    async def _one(self, where: ColumnElement[bool]) -> D | None:
        rows = await self._many(self._select().where(where).limit(1))
        return rows[0] if rows else None

    async def _many(self, query: Select[R]) -> list[D]:
        return [self.to_domain(row) for row in await self._tx.rows(query)]


@cache
def _first_where(table: CoreTable, column: str) -> Select[Any]:
    return select(table).where(table.c[column] == bindparam("value")).limit(1)


@cache
def _versioned_update(row_type: type[Table]) -> Update:
    """UPDATE every column WHERE id and version match, with bound parameters: built and compiled
    once per table (building it per save cost more than running it)."""
    table = row_type.__table__  # type: ignore[attr-defined]
    columns = [c.name for c in table.columns if c.name != "id"]
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values({name: bindparam(name) for name in columns})
    )


@cache
def _versions(row_type: type[Table]) -> Select[tuple[str, int]]:
    table = row_type.__table__  # type: ignore[attr-defined]
    return select(table.c.id, table.c.version).where(
        table.c.id.in_(bindparam("ids", expanding=True))
    )
