"""Database failures mapped to our own errors at the edge: conflicts become core errors, outages one
type."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from core.errors import ConcurrentUpdate, DuplicateRequest


class DatabaseError(Exception):
    """The database refused or failed an operation for a reason that is not a domain conflict."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached or is locked right now; the caller may answer 503 and retry
    later."""


# SQLite result codes (https://sqlite.org/rescode.html): extended codes for a unique key, primary
# codes for a busy or locked database, one that cannot be opened, or an I/O failure.
_SQLITE_UNIQUE = {2067, 1555}
_SQLITE_TRANSIENT = {5, 6, 10, 14}
# PostgreSQL SQLSTATEs: serialisation failure and deadlock mean "lost a race, try again".
_PG_UNIQUE = "23505"
_PG_RACE = {"40001", "40P01"}
# Connection exceptions, insufficient resources, operator intervention (shutdown, starting up).
_PG_TRANSIENT_PREFIXES = ("08", "53", "57P")
# "Not accepting connections" (ALLOW_CONNECTIONS false, maintenance), when it happens while
# connecting.
_PG_REFUSED_ON_CONNECT = "55000"


@contextmanager
def translated(duplicate_key: str = "unique key") -> Iterator[None]:
    """Run database calls, raising DuplicateRequest, ConcurrentUpdate or DatabaseUnavailable
    instead."""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        raise _translate(exc, duplicate_key) from exc
    except sa_exc.TimeoutError as exc:  # no pooled connection came free in time
        raise DatabaseUnavailable("no database connection is free") from exc
    except OSError as exc:  # the driver could not connect at all (refused, unreachable, DNS)
        raise DatabaseUnavailable(f"cannot connect to the database: {type(exc).__name__}") from exc


def _translate(exc: sa_exc.DBAPIError, duplicate_key: str) -> Exception:
    sqlstate = _sqlstate(exc)
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if sqlstate == _PG_UNIQUE or sqlite_code in _SQLITE_UNIQUE:
        return DuplicateRequest(duplicate_key)
    if sqlstate in _PG_RACE:
        return ConcurrentUpdate(duplicate_key)
    if _is_transient(exc, sqlstate, sqlite_code):
        return DatabaseUnavailable(f"the database is unavailable: {type(exc.orig).__name__}")
    return DatabaseError(f"the database refused the operation: {type(exc.orig).__name__}")


def _sqlstate(exc: sa_exc.DBAPIError) -> str | None:
    state = getattr(exc.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def _is_transient(exc: sa_exc.DBAPIError, sqlstate: str | None, sqlite_code: int | None) -> bool:
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return True
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _SQLITE_TRANSIENT
    if sqlstate == _PG_REFUSED_ON_CONNECT and exc.statement is None:
        return True
    if sqlstate is not None:
        return sqlstate.startswith(_PG_TRANSIENT_PREFIXES)
    return isinstance(exc, sa_exc.OperationalError)
