"""The approvals ports over SQL: held sends (versioned), approval and peer policies, givers' default
programmes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from adapters.db.approval_tables import (
    ApprovalPolicyRow,
    ApprovalRow,
    GiverDefaultRow,
    PeerPolicyRow,
)
from adapters.db.transaction import Transaction
from adapters.db.versioned import VersionedRepository
from core.approval_requests import Approval, ApprovalPolicy, ApprovalStatus
from core.confirmations import command_json, command_of
from core.errors import NotFound
from core.identity import identity_of
from core.peer import PeerPolicy
from core.reward_sends import SendRewards


class ApprovalNotFound(NotFound):
    """No approval has this id."""

    def __init__(self, approval_id: str) -> None:
        super().__init__("There is no such approval request.")
        self.approval_id = approval_id


def _held_json(approval: Approval) -> str:
    """One send as core.confirmations writes it; a bulk file as {"summary": that, "rows": [each
    row's]}."""
    if not approval.rows:
        return command_json(approval.command)
    rows = [json.loads(command_json(row)) for row in approval.rows]
    return json.dumps({"summary": json.loads(command_json(approval.command)), "rows": rows})


def _summary_json(payload: str) -> str:
    data = json.loads(payload)
    return json.dumps(data["summary"]) if "rows" in data else payload


def _rows_of(payload: str) -> tuple[SendRewards, ...]:
    data = json.loads(payload)
    return tuple(command_of(json.dumps(row)) for row in data.get("rows", ()))


class SqlApprovals(VersionedRepository[Approval, ApprovalRow]):
    """Approvals; a decision saved by two approvers at once leaves one ConcurrentUpdate."""

    row_type = ApprovalRow
    read_staged = True

    def to_row(self, item: Approval) -> ApprovalRow:
        return ApprovalRow(
            id=item.id,
            request_key=item.command.request_key,
            programme_id=item.programme_id,
            giver_key=identity_of(item.command.giver),
            command=_held_json(item),
            approvers=",".join(item.approvers),
            total_minor=item.total,
            requested_at=item.requested_at,
            expires_at=item.expires_at,
            status=str(item.status),
            decided_by=item.decided_by,
            decided_at=item.decided_at,
            note=item.note,
            version=item.version,
        )

    def to_domain(self, row: ApprovalRow) -> Approval:
        return Approval(
            id=row.id,
            programme_id=row.programme_id,
            command=command_of(_summary_json(row.command)),
            requested_at=row.requested_at,
            expires_at=row.expires_at,
            approvers=tuple(a for a in row.approvers.split(",") if a),
            status=ApprovalStatus(row.status),
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            note=row.note,
            version=row.version,
            rows=_rows_of(row.command),
        )

    def not_found(self, item_id: str) -> Exception:
        return ApprovalNotFound(item_id)

    def unique_key(self, item: Approval) -> str:
        return item.command.request_key

    async def find_by_request_key(self, request_key: str) -> Approval | None:
        staged = next(
            (a for a in self._added.values() if a.command.request_key == request_key), None
        )
        return staged or await self._one(col(ApprovalRow.request_key) == request_key)

    async def list_pending(self, before: datetime, limit: int = 100) -> Sequence[Approval]:
        query = select(ApprovalRow).where(
            col(ApprovalRow.status) == str(ApprovalStatus.PENDING),
            col(ApprovalRow.expires_at) <= before,
        )
        return await self._many(
            query.order_by(col(ApprovalRow.expires_at), col(ApprovalRow.id)).limit(limit)
        )

    async def list(self, status: str | None = None, limit: int = 200) -> Sequence[Approval]:
        query = select(ApprovalRow)
        if status:
            query = query.where(col(ApprovalRow.status) == status)
        return await self._many(
            query.order_by(col(ApprovalRow.requested_at).desc(), col(ApprovalRow.id).desc()).limit(
                limit
            )
        )


class SqlApprovalPolicies:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, programme_id: str) -> ApprovalPolicy | None:
        rows = await self._tx.rows(
            select(ApprovalPolicyRow).where(col(ApprovalPolicyRow.programme_id) == programme_id)
        )
        if not rows:
            return None
        row = rows[0]
        return ApprovalPolicy(
            row.programme_id,
            tuple(a for a in row.approvers.split(",") if a),
            row.above_minor,
            row.above_total_minor,
            row.people_above,
            timedelta(seconds=row.ttl_seconds),
        )

    async def put(self, policy: ApprovalPolicy) -> None:
        values: dict[str, object] = {
            "programme_id": policy.programme_id,
            "approvers": ",".join(policy.approvers),
            "above_minor": policy.above,
            "above_total_minor": policy.above_total,
            "people_above": policy.people_above,
            "ttl_seconds": int(policy.ttl.total_seconds()),
        }
        await self._upsert(ApprovalPolicyRow, values, "programme_id")

    async def _upsert(self, table: type, values: dict[str, object], key: str) -> None:
        await self._tx.begin_write()
        insert = sqlite.insert if self._tx.gate.sqlite else postgresql.insert
        statement = insert(table).values(**values)
        await self._tx.execute(
            statement.on_conflict_do_update(
                index_elements=[key], set_={k: v for k, v in values.items() if k != key}
            )
        )


class SqlGiverDefaults(SqlApprovalPolicies):
    async def get(self, giver: str) -> str | None:  # type: ignore[override]
        rows = await self._tx.rows(
            select(GiverDefaultRow).where(col(GiverDefaultRow.giver) == giver)
        )
        return rows[0].programme_id if rows else None

    async def put(self, giver: str, programme_id: str) -> None:  # type: ignore[override]
        await self._upsert(GiverDefaultRow, {"giver": giver, "programme_id": programme_id}, "giver")


class SqlPeerPolicies(SqlApprovalPolicies):
    async def get(self, programme_id: str) -> PeerPolicy | None:  # type: ignore[override]
        found = [p for p in await self.list() if p.programme_id == programme_id]
        return found[0] if found else None

    async def put(self, policy: PeerPolicy) -> None:  # type: ignore[override]
        values = {
            "programme_id": policy.programme_id,
            "monthly_allowance_minor": policy.monthly_allowance,
            "per_recipient_minor": policy.per_recipient_monthly,
            "shout_out": policy.shout_out,
        }
        await self._upsert(PeerPolicyRow, values, "programme_id")

    async def list(self) -> Sequence[PeerPolicy]:
        rows = await self._tx.rows(select(PeerPolicyRow).order_by(col(PeerPolicyRow.programme_id)))
        return [
            PeerPolicy(
                r.programme_id, r.monthly_allowance_minor, r.per_recipient_minor, r.shout_out
            )
            for r in rows
        ]
