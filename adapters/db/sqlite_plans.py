"""Steering SQLite's query planner where, without statistics, it picks an index that costs a scan.

`unindexed(column)` is the column itself, written `+column` on SQLite: SQLite's documented way to
keep a term from choosing the index (https://sqlite.org/optoverview.html, "Disqualifying WHERE
clause terms using unary-+"). Other databases plan with statistics and see the plain column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class unindexed(FunctionElement[Any]):
    """A column a comparison must not look up by index on SQLite."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:  # a column or an ORM attribute (Mapped)
        super().__init__(column)
        # the value compared with it is bound as the column's (UTC datetimes on SQLite)
        self.type = self.clauses.clauses[0].type


@compiles(unindexed)
def _plain(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unary_plus(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)
