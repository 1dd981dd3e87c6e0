"""Rewards waiting for their sender's Send click, kept in the shared store for as long as a response_url lives.

A confirmation can name hundreds of people (a channel-wide mention), more than a button value's 2,000
characters can carry, so the button carries only the confirmation's id. The id, and the request key
derived from it, come from the command's trigger_id (or the form's view id): a double click or a
Slack retry sends once. The store (core.ports.PendingConfirmations, the database in production) is
shared, so a Send click may reach another replica, or this one after a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from adapters.slack.kit import Message
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.ports import PendingConfirmations
from core.recognition import SendRewards
from core.rewards import Recipient

TTL = timedelta(minutes=30)  # a response_url can replace the confirmation for 30 minutes


@dataclass(frozen=True)
class Taken:
    """Someone clicked before: `outcome` is what they were shown, None while their send is running."""

    outcome: Message | None


class Confirmations:
    """Confirmations by request key: kept for `ttl`, taken by one click, their outcome shown to later ones."""

    def __init__(self, store: PendingConfirmations, ttl: timedelta = TTL) -> None:
        self._store = store
        self._ttl = ttl

    async def add(self, key: str, command: SendRewards) -> None:
        """Keep a confirmation; the same key (a retried command) keeps the first one."""
        await self._store.put(key, command_json(command), self._ttl)

    async def take(self, key: str) -> SendRewards | Taken | None:
        """The command, for the click that sends it; Taken for a later click; None if unknown or expired."""
        payload = await self._store.take(key)
        if payload is not None:
            return command_of(payload)
        outcome = await self._store.taken(key)
        if outcome is None:
            return None
        return Taken(message_of(outcome) if outcome else None)

    async def finish(self, key: str, outcome: Message) -> None:
        await self._store.finish(key, json.dumps({"text": outcome.text, "blocks": outcome.blocks}))

    async def release(self, key: str) -> None:
        """The send failed before an outcome: the next click tries again (the core sends once per key)."""
        await self._store.release(key)

    async def discard(self, key: str) -> None:
        await self._store.discard(key)


def command_json(command: SendRewards) -> str:
    return json.dumps(
        {
            "giver": _user_json(command.giver),
            "recipients": [
                {"user": _user_json(r.user), "conversation": _ref_json(r.conversation)}
                for r in command.recipients
            ],
            "amount": {"minor": command.amount.minor, "currency": command.amount.currency},
            "reason": command.reason,
            "programme_id": command.programme_id,
            "request_key": command.request_key,
            "reply_to": _ref_json(command.reply_to) if command.reply_to else None,
        },
        separators=(",", ":"),
    )


def command_of(payload: str) -> SendRewards:
    data = json.loads(payload)
    return SendRewards(
        giver=_user_of(data["giver"]),
        recipients=tuple(
            Recipient(_user_of(r["user"]), _ref_of(r["conversation"])) for r in data["recipients"]
        ),
        amount=Money(int(data["amount"]["minor"]), str(data["amount"]["currency"])),
        reason=str(data["reason"]),
        programme_id=str(data["programme_id"]),
        request_key=str(data["request_key"]),
        reply_to=_ref_of(data["reply_to"]) if data.get("reply_to") else None,
    )


def message_of(outcome: str) -> Message:
    data = json.loads(outcome)
    return Message(str(data["text"]), list(data["blocks"]))


def _user_json(user: ChatUser) -> dict[str, str]:
    return {"platform": user.platform, "tenant": user.tenant, "user_id": user.user_id, "name": user.name}


def _user_of(data: dict[str, Any]) -> ChatUser:
    return ChatUser(str(data["platform"]), str(data["tenant"]), str(data["user_id"]), str(data["name"]))


def _ref_json(ref: ConversationRef) -> dict[str, str]:
    return {"platform": ref.platform, "address": ref.address}


def _ref_of(data: dict[str, Any]) -> ConversationRef:
    return ConversationRef(str(data["platform"]), str(data["address"]))
