"""Credentials the bot must keep across restarts and replicas (a rotated OAuth token), encrypted at
rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.crypto import VoucherCipher
from adapters.db.tables import StoredSecretRow
from adapters.db.transaction import Transaction, WriteGate
from core.ports import Clock


class SqlSecretStore:
    """One named value; each call is its own transaction, the value is never written in
    plaintext."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        cipher: VoucherCipher,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._cipher = cipher
        self._clock = clock

    async def load(self, name: str) -> str | None:
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(select(StoredSecretRow).where(col(StoredSecretRow.name) == name))
        finally:
            await tx.close()
        return self._cipher.decrypt(rows[0].ciphertext) if rows else None

    async def save(self, name: str, value: str) -> None:
        row = StoredSecretRow(
            name=name, ciphertext=self._cipher.encrypt(value), updated_at=self._now()
        )
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            await tx.execute(delete(StoredSecretRow).where(col(StoredSecretRow.name) == name))
            await tx.insert([row], duplicate_key=f"secret {name}")
            await tx.commit()
        finally:
            await tx.close()

    def _now(self) -> datetime:
        return self._clock.now()
