"""Group-gift use cases: start a collection, chip in, close it into a reward, refund it when it
expires.

Every channel calls these; the card each channel draws is a `CollectionCard`. How a paid
contribution is counted (or refunded when it arrives after the close) is core.funded's, called by
the checkout.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from core.amounts import AmountRefused, TypedAmount, amount_in, take_amount
from core.audit import AuditRecord
from core.checkout import Checkout, PlaceOrder
from core.collection_refunds import RefundHandover
from core.collections import (
    Collection,
    CollectionCard,
    CollectionNotOpen,
    Contribution,
    InvalidCollection,
    NotOrganiser,
)
from core.errors import ConcurrentUpdate, DuplicateRequest, InvalidAmount, PaymentGatewayError
from core.funded import Funded, card_update, fund_reward
from core.gifts import delivery_time
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.refusals import Reason, reason_of
from core.rewards import Recipient
from core.views import OrderSummary

log = logging.getLogger(__name__)
RETRIES = 20
_TITLE = re.compile(r'^\s*(?:"([^"]+)"|“([^”]+)”|(\S+))\s*(.*)$', re.DOTALL)
_BY = re.compile(r"^by\s+(\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2})?)\s*$", re.IGNORECASE)
USAGE = Reason("collection_usage")


@dataclass(frozen=True)
class CollectText:
    """What follows the person in `collect @ada "Farewell" 150 EUR by 2026-07-01`."""

    title: str
    goal: TypedAmount | None
    by: str  # "" when the organiser closes it


def parse_collect(text: str) -> CollectText:
    """Read the title (quoted, or one word), an optional goal and an optional `by <date>`."""
    found = _TITLE.match(text)
    if found is None or not text.strip():
        raise InvalidCollection(USAGE)
    title = next(g for g in found.groups()[:3] if g)
    try:
        goal, rest = take_amount(found.group(4))
    except AmountRefused as exc:
        raise InvalidCollection(reason_of(exc)) from None
    by = _BY.match(rest) if rest else None
    if rest and by is None:
        raise InvalidCollection(USAGE)
    return CollectText(title, goal, by.group(1) if by else "")


@dataclass(frozen=True)
class StartCollection:
    organiser: ChatUser
    recipient: Recipient
    text: CollectText
    zone: str = "UTC"  # the organiser's, to read `by <date>`


class GroupGifts:
    """The use cases behind `collect`, the card's Chip in and Close buttons, the deadline job."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        checkout: Checkout,
        funded: Funded,
        clock: Clock,
        ids: IdFactory,
        default_currency: str,
    ) -> None:
        self._uow = uow
        self._checkout = checkout
        self._funded = funded
        self._clock = clock
        self._ids = ids
        self._currency = default_currency
        self._handover = RefundHandover()

    async def start(self, command: StartCollection) -> CollectionCard:
        now = self._clock.now()
        text = command.text
        try:
            goal = text.goal.money(self._currency) if text.goal else Money(0, self._currency)
        except AmountRefused as exc:
            raise InvalidCollection(reason_of(exc)) from None
        closes_at = delivery_time(text.by, command.zone, now) if text.by else None
        collection = Collection.start(
            self._ids.new_id("col"),
            command.organiser,
            command.recipient.user,
            command.recipient.conversation,
            text.title,
            goal,
            closes_at,
            now,
        )
        async with self._uow() as uow:
            await uow.collections.add(collection)
            facts = {"to": collection.recipient.key, "title": collection.title}
            uow.audit.record(
                AuditRecord(command.organiser.key, "collection.started", collection.id, None, facts)
            )
            await uow.commit()
        return CollectionCard.of(collection)

    async def card_posted(self, collection_id: str, card: ConversationRef) -> None:
        """Where the channel card lives, so every change redraws it in place."""
        await self._change(collection_id, lambda c: setattr(c, "card", card))

    async def card(self, collection_id: str) -> CollectionCard:
        async with self._uow() as uow:
            return CollectionCard.of(await uow.collections.get(collection_id))

    async def collection(self, collection_id: str) -> Collection:
        async with self._uow() as uow:
            return await uow.collections.get(collection_id)

    def amount(self, collection: Collection, text: str) -> Money:
        """A contribution as typed, in the collection's currency."""
        try:
            money = amount_in(text, collection.currency)
        except AmountRefused as exc:
            raise InvalidAmount(collection.product_id, reason_of(exc), typed=text.strip()) from None
        self._checkout.catalog.get(collection.product_id).check_amount(money)
        return money

    async def chip_in(
        self,
        collection_id: str,
        contributor: ChatUser,
        amount_text: str,
        show_amount: bool,
        conversation: ConversationRef,
        request_key: str,
    ) -> OrderSummary:
        """Open a checkout for the contributor's share (an order of the collection's
        pseudo-product)."""
        collection = await self.collection(collection_id)
        collection.check_open()
        if collection.recipient.same_person(contributor):
            raise InvalidCollection(Reason("collection_for_you"))
        amount = self.amount(collection, amount_text)
        summary = await self._checkout.place_order(
            PlaceOrder(contributor, collection.product_id, amount, conversation, request_key)
        )
        pledge = Contribution(summary.order_id, contributor, amount, show_amount, self._clock.now())
        await self._change(collection_id, lambda c: c.pledge(pledge), card=False)
        return summary

    async def toggle_amount(self, collection_id: str, user: ChatUser) -> bool:
        """A contributor shows their amount on the card, or hides it again (the card is redrawn in
        place); True when it now shows."""
        shown: list[bool] = []
        await self._change(collection_id, lambda c: shown.append(c.toggle_shown(user)))
        return shown[-1]

    async def close(self, collection_id: str, user: ChatUser) -> CollectionCard:
        """The organiser closes it: the recipient gets a reward for the total, to spend in the
        catalog."""
        for _ in range(RETRIES):
            try:
                return await self._close_once(collection_id, user)
            except (ConcurrentUpdate, DuplicateRequest):
                continue  # a contribution counted meanwhile: it is part of the total now
        raise ConcurrentUpdate(collection_id)

    async def _close_once(self, collection_id: str, user: ChatUser | None) -> CollectionCard:
        now = self._clock.now()
        async with self._uow() as uow:
            collection = await uow.collections.get(collection_id)
            if user is not None and not collection.organiser.same_person(user):
                raise NotOrganiser(collection_id)
            total = collection.close(now)
            if total.minor:
                names = contributor_names(collection)
                reward = await fund_reward(
                    uow,
                    self._ids,
                    now,
                    giver=collection.organiser,
                    recipient=collection.recipient,
                    conversation=collection.recipient_conversation,
                    amount=total,
                    reason=f"{collection.title} ({names})" if names else collection.title,
                    key=f"{collection.id}:reward",
                )
                collection.reward_id = reward.id
            actor = user.key if user is not None else "system"
            facts = {"total": total.label(), "reward": collection.reward_id}
            uow.audit.record(AuditRecord(actor, "collection.closed", collection.id, None, facts))
            await self._save(uow, collection, now)
            await uow.commit()
        return CollectionCard.of(collection)

    async def settle_due(self) -> int:
        """The deadline job (leased: one replica at a time): close collections on their date, expire
        those never closed and refund what they hold. Safe to run twice: each step is versioned and
        each refund has its idempotency key."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.collections.list_due(now)
        for collection in due:
            try:
                await self._settle(collection, now)
            except (PaymentGatewayError, ConcurrentUpdate) as exc:  # the next run asks again
                log.warning(
                    "collection refund failed",
                    extra={"collection": collection.id, "error": str(exc)},
                )
        return len(due)

    async def _settle(self, collection: Collection, now: datetime) -> None:
        if collection.closes_at is not None and collection.closes_at <= now < collection.deadline:
            if collection.status == "open":
                # the organiser closed it, or a contribution counted: the next run looks again
                with contextlib.suppress(ConcurrentUpdate):
                    await self._close_once(collection.id, None)
            return
        if collection.status == "open":
            try:
                await self._change(
                    collection.id, lambda c: c.expire(now), audit="collection.expired"
                )
            except CollectionNotOpen:
                return  # closed meanwhile: nothing to refund
            self._handover.expired_here(collection.id)
            collection = await self.collection(collection.id)
        elif not self._handover.may_refund(collection, now):
            return  # another replica's run expired it moments ago and is refunding it
        for contribution in collection.refunds_due:
            await self._funded.give_back(contribution.order_id)
        self._handover.done(collection.id)

    async def _change(
        self, collection_id: str, change: object, *, card: bool = True, audit: str = ""
    ) -> None:
        for _ in range(RETRIES):
            try:
                async with self._uow() as uow:
                    collection = await uow.collections.get(collection_id)
                    change(collection)  # type: ignore[operator]
                    if audit:
                        uow.audit.record(AuditRecord("system", audit, collection.id))
                    await self._save(uow, collection, self._clock.now(), card=card)
                    await uow.commit()
                return
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(collection_id)

    async def _save(
        self, uow: UnitOfWork, collection: Collection, now: datetime, *, card: bool = True
    ) -> None:
        await uow.collections.save(collection)
        message = card_update(collection, self._ids, now) if card else None
        if message is not None:
            await uow.outbox.add(message)


def contributor_names(collection: Collection) -> str:
    """Who chipped in, each once, for the reward's reason."""
    named = (c.contributor.name for c in collection.contributions if c.contributor.name)
    return ", ".join(dict.fromkeys(named))
