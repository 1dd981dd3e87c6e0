"""core.redeem.RecordedCountries in the database: a person's chosen country, else their employee
record's, in one statement.

A plain `vouchers` opens on the person's country, so every such turn asks. Through the two stores
(SqlRecipientCountries, then the employees' by_user) that was two ORM sessions and their round
trips, the largest share of the turn's CPU; this reads both in one round trip on a pooled
connection, with no session. Same answer: the choice wins, then the record's country, else None.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.errors import translated
from core.identity import ChatUser

# Employees are keyed by email; with several records for one chat identity, by_user takes the first
# email, and so does this.
RECORDED = text(
    "SELECT"
    " (SELECT country FROM recipient_countries WHERE user_key = :user_key) AS chosen,"
    " (SELECT country FROM employees"
    "   WHERE platform = :platform AND tenant = :tenant AND user_id = :user_id"
    "   ORDER BY email LIMIT 1) AS employee"
)


class SqlRecordedCountries:
    """Reads only; each call its own short transaction on a pooled connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def of(self, user: ChatUser) -> str | None:
        params = {
            "user_key": user.key,
            "platform": user.platform,
            "tenant": user.tenant,
            "user_id": user.user_id,
        }
        with translated():
            async with self._engine.connect() as connection:
                chosen, employee = (await connection.execute(RECORDED, params)).one()
        return str(chosen or employee or "") or None
