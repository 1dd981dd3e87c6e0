"""The rewards ports over SQL: programmes, the budget ledger, rewards and who may send them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from adapters.db import mapping
from adapters.db.tables import LedgerRow, ProgrammeRow, RewardAdminRow, RewardRow
from adapters.db.transaction import Transaction
from adapters.db.versioned import VersionedRepository
from core.errors import ProgrammeNotFound, RewardNotFound
from core.rewards import NOT_GIVEN, SPENDABLE, Budget, LedgerEntry, LedgerKind, Programme, Reward


class SqlProgrammes(VersionedRepository[Programme, ProgrammeRow]):
    """Programmes; saving one, even unchanged, is what serialises spending of its budget."""

    row_type = ProgrammeRow
    read_staged = True

    def to_row(self, item: Programme) -> ProgrammeRow:
        return mapping.programme_to_row(item)

    def to_domain(self, row: ProgrammeRow) -> Programme:
        return mapping.programme_to_domain(row)

    def not_found(self, item_id: str) -> Exception:
        return ProgrammeNotFound(item_id)

    async def list(self) -> Sequence[Programme]:
        return await self._many(select(ProgrammeRow).order_by(col(ProgrammeRow.id)))


class SqlRewards(VersionedRepository[Reward, RewardRow]):
    row_type = RewardRow
    read_staged = True

    def to_row(self, item: Reward) -> RewardRow:
        return mapping.reward_to_row(item)

    def to_domain(self, row: RewardRow) -> Reward:
        return mapping.reward_to_domain(row)

    def not_found(self, item_id: str) -> Exception:
        return RewardNotFound(item_id)

    def unique_key(self, item: Reward) -> str:
        return item.request_key

    async def find_by_request_key(self, request_key: str) -> Reward | None:
        return await self._one(col(RewardRow.request_key) == request_key)

    async def list_for_recipient(self, user_key: str, limit: int = 50) -> Sequence[Reward]:
        query = select(RewardRow).where(col(RewardRow.recipient_key) == user_key)
        return await self._many(
            query.order_by(col(RewardRow.created_at).desc(), col(RewardRow.id).desc()).limit(limit)
        )

    async def given_to_since(
        self, programme_id: str, giver_key: str, recipient_key: str, since: datetime
    ) -> int:
        query = select(func.coalesce(func.sum(col(RewardRow.amount_minor)), 0)).where(
            col(RewardRow.programme_id) == programme_id,
            col(RewardRow.giver_key) == giver_key,
            col(RewardRow.recipient_key) == recipient_key,
            col(RewardRow.created_at) >= since,
            col(RewardRow.status).not_in([str(s) for s in NOT_GIVEN]),
        )
        return int((await self._tx.execute(query)).scalar_one())

    async def given_since(self, programme_id: str, giver_key: str, since: datetime) -> int:
        query = select(func.coalesce(func.sum(col(RewardRow.amount_minor)), 0)).where(
            col(RewardRow.programme_id) == programme_id,
            col(RewardRow.giver_key) == giver_key,
            col(RewardRow.created_at) >= since,
            col(RewardRow.status).not_in([str(s) for s in NOT_GIVEN]),
        )
        return int((await self._tx.execute(query)).scalar_one())

    async def list_expiring(self, before: datetime, limit: int = 100) -> Sequence[Reward]:
        query = select(RewardRow).where(
            col(RewardRow.status).in_([str(s) for s in SPENDABLE]),
            col(RewardRow.expires_at) < before,
        )
        return await self._many(
            query.order_by(col(RewardRow.expires_at), col(RewardRow.id)).limit(limit)
        )


class SqlLedger:
    """Budget movements, INSERTed at once: the budget a unit of work reads includes its own
    entries."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add(self, entry: LedgerEntry) -> None:
        await self._tx.insert([mapping.ledger_to_row(entry)], duplicate_key=entry.id)

    async def budget(self, programme_id: str) -> Budget:
        query = (
            select(col(LedgerRow.kind), func.sum(col(LedgerRow.minor)))
            .where(col(LedgerRow.programme_id) == programme_id)
            .group_by(col(LedgerRow.kind))
        )
        totals = (await self._tx.execute(query)).all()
        # One synthetic entry per kind carrying its total: Budget.of stays the only place of the
        # formula.
        return Budget.of(
            LedgerEntry("", programme_id, LedgerKind(kind), int(total), datetime.min, "")
            for kind, total in totals
        )

    async def entries(self, programme_id: str, limit: int = 1000) -> Sequence[LedgerEntry]:
        query = select(LedgerRow).where(col(LedgerRow.programme_id) == programme_id)
        rows = await self._tx.rows(query.order_by(col(LedgerRow.seq)).limit(limit))
        return [mapping.ledger_to_domain(row) for row in rows]


class SqlRewardAdmins:
    """Reward admins granted at run time; written at once, committed with the unit of work."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def contains(self, identity: str) -> bool:
        query = (
            select(func.count())
            .select_from(RewardAdminRow)
            .where(col(RewardAdminRow.identity) == identity)
        )
        return bool((await self._tx.execute(query)).scalar_one())

    async def add(self, identity: str) -> None:
        await self._tx.begin_write()
        insert = sqlite.insert if self._tx.gate.sqlite else postgresql.insert
        await self._tx.execute(
            insert(RewardAdminRow).values(identity=identity).on_conflict_do_nothing()
        )

    async def remove(self, identity: str) -> None:
        await self._tx.begin_write()
        await self._tx.execute(
            delete(RewardAdminRow).where(col(RewardAdminRow.identity) == identity)
        )

    async def list(self) -> Sequence[str]:
        query = select(col(RewardAdminRow.identity)).order_by(col(RewardAdminRow.identity))
        return [identity for (identity,) in (await self._tx.execute(query)).all()]
