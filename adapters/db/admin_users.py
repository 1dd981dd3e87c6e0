"""Dashboard users and sessions over SQL (core.oversight.accounts.AdminAccounts); each call is its
own transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import Executable, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.admin_tables import AdminSessionRow, AdminUserRow
from adapters.db.database import Database
from adapters.db.transaction import Transaction, WriteGate
from core.oversight.accounts import AdminRole, AdminSession, AdminUser, SignInAttempt
from core.oversight.lockout import Lockout, SignInTally

# A sign-in checks one argon2 hash (tens of milliseconds); one counted for longer than this was cut
# short (a crash, a lost connection) and no longer counts as in flight.
IN_FLIGHT_FOR = timedelta(minutes=1)
_TALLY = (
    col(AdminUserRow.failed_logins),
    col(AdminUserRow.signing_in),
    col(AdminUserRow.locked_until),
)
_ONE_LESS = case((col(AdminUserRow.signing_in) > 0, col(AdminUserRow.signing_in) - 1), else_=0)


class SqlAdminAccounts:
    """Implements core.oversight.accounts.AdminAccounts. Lock-out counters change only by atomic
    UPDATEs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions = sessions
        self._gate = gate

    @classmethod
    def of(cls, database: Database) -> SqlAdminAccounts:
        """The accounts stored in `database` (same engine and writer turn as its units of work)."""
        # The façade keeps its session factory and write gate to itself; this package shares them.
        return cls(database._sessions, database._gate)

    async def add(self, user: AdminUser) -> None:
        async with self._transaction() as tx:
            await tx.insert([_user_row(user)], duplicate_key=f"admin user {user.email}")
            await tx.commit()

    async def get(self, email: str) -> AdminUser | None:
        async with self._transaction() as tx:
            rows = await tx.rows(select(AdminUserRow).where(col(AdminUserRow.email) == email))
        return _user(rows[0]) if rows else None

    async def list(self) -> Sequence[AdminUser]:
        async with self._transaction() as tx:
            rows = await tx.rows(select(AdminUserRow).order_by(col(AdminUserRow.email)))
        return [_user(row) for row in rows]

    async def set_password(self, email: str, password_hash: str) -> None:
        await self._update_user(email, password_hash=password_hash)

    async def begin_sign_in(self, email: str, now: datetime) -> SignInAttempt | None:
        # One UPDATE counts the attempt in flight: parallel attempts each see the others.
        stale = now - IN_FLIGHT_FOR
        since = col(AdminUserRow.signing_in_since)
        counted = case(
            (or_(since.is_(None), since < stale), 1), else_=col(AdminUserRow.signing_in) + 1
        )
        statement = (
            update(AdminUserRow)
            .where(col(AdminUserRow.email) == email)
            .values(signing_in=counted, signing_in_since=now)
            .returning(*_TALLY, col(AdminUserRow.role), col(AdminUserRow.password_hash))
        )
        async with self._transaction() as tx:
            await tx.begin_write()
            found = (await tx.execute(statement)).first()
            await tx.commit()
        if found is None:
            return None
        failures, in_flight, locked_until, role, password_hash = found
        started = SignInTally(failures, max(in_flight - 1, 0), locked_until)
        return SignInAttempt(email, AdminRole(role), password_hash, started)

    async def sign_in_failed(self, email: str, now: datetime, policy: Lockout) -> SignInTally:
        failed = (
            update(AdminUserRow)
            .where(col(AdminUserRow.email) == email)
            .values(failed_logins=col(AdminUserRow.failed_logins) + 1, signing_in=_ONE_LESS)
            .returning(*_TALLY)
        )
        async with self._transaction() as tx:
            await tx.begin_write()
            failures, in_flight, locked_until = (await tx.execute(failed)).one()
            delay = policy.delay(failures)
            if delay:
                until = now + delay
                locked = col(AdminUserRow.locked_until)
                await tx.execute(
                    update(AdminUserRow)
                    .where(col(AdminUserRow.email) == email, or_(locked.is_(None), locked < until))
                    .values(locked_until=until)
                )
                locked_until = (
                    until if locked_until is None or locked_until < until else locked_until
                )
            await tx.commit()
        return SignInTally(failures, in_flight, locked_until)

    async def sign_in_right(self, attempt: SignInAttempt, now: datetime, policy: Lockout) -> bool:
        released = (
            update(AdminUserRow)
            .where(col(AdminUserRow.email) == attempt.email)
            .values(signing_in=_ONE_LESS)
            .returning(*_TALLY)
        )
        async with self._transaction() as tx:
            # The UPDATE holds the row (PostgreSQL) or the writer's turn (SQLite) until commit, so
            # the counters judged are the counters reset: no failure can slip in between.
            await tx.begin_write()
            failures, in_flight, locked_until = (await tx.execute(released)).one()
            admitted = policy.admits(
                attempt.started, SignInTally(failures, in_flight, locked_until), now
            )
            if admitted:
                await tx.execute(
                    update(AdminUserRow)
                    .where(col(AdminUserRow.email) == attempt.email)
                    .values(failed_logins=0, locked_until=None, last_login_at=now)
                )
            await tx.commit()
        return admitted

    async def open_session(self, session: AdminSession) -> None:
        async with self._transaction() as tx:
            # Housekeeping on sign-in: expired sessions are dead weight.
            await tx.begin_write()
            expired = delete(AdminSessionRow).where(
                col(AdminSessionRow.expires_at) <= session.created_at
            )
            await tx.execute(expired)
            row = AdminSessionRow(
                id_hash=session.id_hash,
                email=session.email,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
            )
            await tx.insert([row], duplicate_key="admin session")
            await tx.commit()

    async def find_session(self, id_hash: str, now: datetime) -> AdminSession | None:
        query = (
            select(AdminSessionRow, AdminUserRow)
            .join(AdminUserRow, col(AdminUserRow.email) == col(AdminSessionRow.email))
            .where(col(AdminSessionRow.id_hash) == id_hash, col(AdminSessionRow.expires_at) > now)
        )
        async with self._transaction() as tx:
            found = (await tx.execute(query)).first()
        if found is None:
            return None
        session, user = found
        return AdminSession(
            id_hash=session.id_hash,
            email=session.email,
            role=AdminRole(user.role),
            created_at=session.created_at,
            expires_at=session.expires_at,
            last_seen_at=session.last_seen_at,
        )

    async def touch_session(self, id_hash: str, now: datetime, expires_at: datetime) -> None:
        statement = (
            update(AdminSessionRow)
            .where(col(AdminSessionRow.id_hash) == id_hash)
            .values(last_seen_at=now, expires_at=expires_at)
        )
        await self._write(statement)

    async def close_session(self, id_hash: str) -> None:
        await self._write(delete(AdminSessionRow).where(col(AdminSessionRow.id_hash) == id_hash))

    async def _update_user(self, email: str, **values: object) -> None:
        await self._write(
            update(AdminUserRow).where(col(AdminUserRow.email) == email).values(**values)
        )

    async def _write(self, statement: Executable) -> None:
        async with self._transaction() as tx:
            await tx.begin_write()
            await tx.execute(statement)
            await tx.commit()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self._sessions(), self._gate)
        try:
            yield tx
        finally:
            await tx.close()


def _user_row(user: AdminUser) -> AdminUserRow:
    return AdminUserRow(
        email=user.email,
        role=str(user.role),
        password_hash=user.password_hash,
        created_at=user.created_at,
        failed_logins=user.failed_logins,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
    )


def _user(row: AdminUserRow) -> AdminUser:
    return AdminUser(
        email=row.email,
        role=AdminRole(row.role),
        password_hash=row.password_hash,
        created_at=row.created_at,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )
