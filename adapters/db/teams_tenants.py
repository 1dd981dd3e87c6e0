"""Teams tenants the bot has heard from: the Connector URL and bot account that reach their
people."""

from __future__ import annotations

from sqlalchemy import Insert, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from adapters.db.teams_tenant_tables import TeamsTenantRow
from adapters.db.transaction import Transaction, WriteGate
from core.identity import TenantEndpoint
from core.ports import Clock


class SqlTeamsTenants:
    """core.ports.TenantEndpoints in the `teams_tenants` table; each call is one short transaction.

    Tenant ids are Entra GUIDs, kept in lower case: Teams sends them so, an HR system may not.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._clock = clock

    async def remember(self, endpoint: TenantEndpoint) -> None:
        tx = Transaction(self._sessions(), self._gate)
        try:
            await tx.begin_write()
            await tx.execute(self._upsert(endpoint))
            await tx.commit()
        finally:
            await tx.close()

    async def find(self, tenant_id: str) -> TenantEndpoint | None:
        query = select(TeamsTenantRow).where(
            col(TeamsTenantRow.tenant_id) == tenant_id.strip().lower()
        )
        tx = Transaction(self._sessions(), self._gate)
        try:
            rows = await tx.rows(query)
        finally:
            await tx.close()
        if not rows:
            return None
        row = rows[0]
        return TenantEndpoint(row.tenant_id, row.service_url, row.bot_id, row.bot_name)

    def _upsert(self, endpoint: TenantEndpoint) -> Insert:
        # One statement, so two replicas seeing the same tenant at once both succeed (the later one
        # wins).
        insert = sqlite_insert if self._gate.sqlite else postgres_insert
        statement = insert(TeamsTenantRow).values(
            tenant_id=endpoint.tenant_id.strip().lower(),
            service_url=endpoint.service_url,
            bot_id=endpoint.bot_id,
            bot_name=endpoint.bot_name,
            updated_at=self._clock.now(),
        )
        changed = ("service_url", "bot_id", "bot_name", "updated_at")
        return statement.on_conflict_do_update(
            index_elements=[col(TeamsTenantRow.tenant_id)],
            set_={name: statement.excluded[name] for name in changed},
        )
