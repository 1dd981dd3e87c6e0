"""Group-gift collections over SQL: written at commit with an optimistic version, like gifts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from adapters.db.collection_tables import CollectionRow
from adapters.db.mapping import utc
from adapters.db.versioned import VersionedRepository
from core.collections import (
    Collection,
    CollectionNotFound,
    CollectionStatus,
    Contribution,
    ContributionState,
)
from core.identity import ChatUser, ConversationRef
from core.money import Money


class SqlCollections(VersionedRepository[Collection, CollectionRow]):
    row_type = CollectionRow
    read_staged = True

    def to_row(self, item: Collection) -> CollectionRow:
        return collection_to_row(item)

    def to_domain(self, row: CollectionRow) -> Collection:
        return collection_to_domain(row)

    def not_found(self, item_id: str) -> Exception:
        return CollectionNotFound(item_id)

    def unique_key(self, item: Collection) -> str:
        return f"collection {item.id}"

    async def list_due(self, now: datetime, limit: int = 100) -> Sequence[Collection]:
        due = col(CollectionRow.due_at)
        query = select(CollectionRow).where(due.is_not(None), due <= utc(now))
        return await self._many(query.order_by(due).limit(limit))

    async def list_recent(self, limit: int = 100) -> Sequence[Collection]:
        newest = col(CollectionRow.created_at).desc()
        return await self._many(select(CollectionRow).order_by(newest).limit(limit))


def _user(user: ChatUser) -> str:
    return json.dumps([user.platform, user.tenant, user.user_id, user.name])


def _person(text: str) -> ChatUser:
    platform, tenant, user_id, name = json.loads(text)
    return ChatUser(platform, tenant, user_id, name)


def _contribution(c: Contribution) -> dict[str, Any]:
    return {
        "order": c.order_id,
        "by": _user(c.contributor),
        "minor": c.amount.minor,
        "show": c.show_amount,
        "at": utc(c.created_at).isoformat(),
        "state": str(c.state),
    }


def _contribution_of(data: dict[str, Any], currency: str) -> Contribution:
    return Contribution(
        order_id=data["order"],
        contributor=_person(data["by"]),
        amount=Money(int(data["minor"]), currency),
        show_amount=bool(data["show"]),
        created_at=datetime.fromisoformat(data["at"]),
        state=ContributionState(data["state"]),
    )


def collection_to_row(c: Collection) -> CollectionRow:
    return CollectionRow(
        id=c.id,
        organiser_key=c.organiser.key,
        organiser=_user(c.organiser),
        recipient_key=c.recipient.key,
        recipient=_user(c.recipient),
        recipient_conversation_platform=c.recipient_conversation.platform,
        recipient_conversation_address=c.recipient_conversation.address,
        card_platform=c.card.platform if c.card else "",
        card_address=c.card.address if c.card else "",
        title=c.title,
        currency=c.currency,
        goal=c.goal,
        created_at=c.created_at,
        deadline=c.deadline,
        closes_at=c.closes_at,
        due_at=c.due_at,
        status=str(c.status),
        contributions=json.dumps([_contribution(x) for x in c.contributions]),
        closed_at=c.closed_at,
        reward_id=c.reward_id,
        version=c.version,
    )


def collection_to_domain(row: CollectionRow) -> Collection:
    return Collection(
        id=row.id,
        organiser=_person(row.organiser),
        recipient=_person(row.recipient),
        recipient_conversation=ConversationRef(
            row.recipient_conversation_platform, row.recipient_conversation_address
        ),
        title=row.title,
        currency=row.currency,
        goal=row.goal,
        created_at=row.created_at,
        deadline=row.deadline,
        closes_at=row.closes_at,
        card=ConversationRef(row.card_platform, row.card_address) if row.card_platform else None,
        status=CollectionStatus(row.status),
        contributions=[_contribution_of(d, row.currency) for d in json.loads(row.contributions)],
        closed_at=row.closed_at,
        reward_id=row.reward_id,
        version=row.version,
    )
