"""Rewards waiting for their giver's Send: one pending confirmation, kept in the store, for every
channel.

A channel shows the preview with Send and Cancel and carries only the request key on its buttons (a
confirmation can name hundreds of people; a button's value cannot). The whole request waits in
core.ports.PendingConfirmations (the database in production), shared by replicas and restarts. The
first Send takes it and sends; a double click or a retried one finds it taken and shows what the
first click showed; only the giver may send or cancel it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.ports import PendingConfirmations
from core.refusals import reason_of
from core.reward_sender import RewardSender
from core.reward_sends import SendRewards
from core.rewards import Recipient
from core.views import RewardPreview, SendReport

TTL = timedelta(
    minutes=30
)  # Slack's response_url replaces a message for 30 minutes; Teams' cards likewise
Outcome = TypeVar("Outcome")


class NotYourConfirmation(InvalidRequest):
    """Someone other than the giver pressed Send or Cancel on a confirmation."""

    def __init__(self, key: str) -> None:
        super().__init__("Only the person who asked for these rewards can send or cancel them.")
        self.key = key


@dataclass(frozen=True)
class Taken:
    """Someone pressed Send before: `outcome` is what their channel showed, None while their send
    runs."""

    outcome: str | None


@dataclass(frozen=True)
class Sent:
    """This press sent (or was refused by the core, with `refusal`): the report, for the channel to
    render."""

    command: SendRewards
    report: SendReport | None
    refusal: str = ""
    error: Exception | None = None  # the core's refusal itself, for the channel to word


class Confirmations:
    """Propose a send (preview, kept by request key); take, send and record it on the giver's
    Send."""

    def __init__(
        self, sender: RewardSender, store: PendingConfirmations, ttl: timedelta = TTL
    ) -> None:
        self._sender = sender
        self._store = store
        self._ttl = ttl

    async def propose(self, command: SendRewards) -> RewardPreview:
        """The preview to show; the request waits under its key (a retried command keeps the
        first)."""
        preview = await self._sender.preview(command)
        await self._store.put(command.request_key, command_json(command), self._ttl)
        return preview

    async def send(
        self, key: str, clicker: ChatUser, render: Callable[[Sent], Awaitable[tuple[Outcome, str]]]
    ) -> Outcome | Taken | None:
        """Send what waits under `key`, once, if `clicker` is its giver; None if unknown or expired.

        `render` turns the result into what the channel shows and the text kept for later
        presses."""
        payload = await self._store.take(key)
        if payload is None:
            outcome = await self._store.taken(key)
            return None if outcome is None else Taken(outcome or None)
        command = command_of(payload)
        if not command.giver.same_person(clicker):
            await self._store.release(key)
            raise NotYourConfirmation(key)
        try:
            shown, kept = await render(await self._sent(command))
        except BaseException:
            await self._store.release(
                key
            )  # nothing was shown: a new press may try again, sent once by key
            raise
        await self._store.finish(key, kept)
        return shown

    async def cancel(self, key: str, clicker: ChatUser) -> bool:
        """Drop what waits under `key` if `clicker` is its giver; False if it is already sent (or
        sending)."""
        payload = await self._store.take(key)
        if payload is None:
            return await self._store.taken(key) is None
        if not command_of(payload).giver.same_person(clicker):
            await self._store.release(key)
            raise NotYourConfirmation(key)
        await self._store.discard(key)
        return True

    async def _sent(self, command: SendRewards) -> Sent:
        try:
            return Sent(command, await self._sender.send(command))
        except (
            InvalidRequest,
            NotFound,
        ) as exc:  # not an admin any more, budget spent, programme gone: said why
            return Sent(command, None, reason_of(exc), exc)


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
            "shout_to": _ref_json(command.shout_to) if command.shout_to else None,
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
        shout_to=_ref_of(data["shout_to"]) if data.get("shout_to") else None,
    )


def _user_json(user: ChatUser) -> dict[str, str]:
    return {
        "platform": user.platform,
        "tenant": user.tenant,
        "user_id": user.user_id,
        "name": user.name,
    }


def _user_of(data: dict[str, Any]) -> ChatUser:
    return ChatUser(
        str(data["platform"]), str(data["tenant"]), str(data["user_id"]), str(data["name"])
    )


def _ref_json(ref: ConversationRef) -> dict[str, str]:
    return {"platform": ref.platform, "address": ref.address}


def _ref_of(data: dict[str, Any]) -> ConversationRef:
    return ConversationRef(str(data["platform"]), str(data["address"]))
