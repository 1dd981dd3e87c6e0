"""Group gifts: a Collection of contributions for one colleague, closed into a reward or
refunded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.refusals import Reason

OPEN_FOR = timedelta(days=30)  # never closed by then: every contribution is refunded
MAX_AHEAD = timedelta(days=90)
MAX_TITLE = 80


class CollectionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # the recipient was sent a reward for the total
    EXPIRED = "expired"  # never closed: its contributions are (being) refunded


class ContributionState(StrEnum):
    PENDING = "pending"  # the checkout is open, nothing taken yet
    COUNTED = "counted"  # paid while the collection was open: part of the total
    REFUNDED = "refunded"  # paid, then given back (the collection expired, or it came in late)


class CollectionNotFound(NotFound):
    """No collection has this id."""

    def __init__(self, collection_id: str) -> None:
        super().__init__(f"There is no group gift '{collection_id}'.")
        self.collection_id = collection_id


class NotOrganiser(InvalidRequest):
    """Someone other than the organiser tried to close the collection."""

    def __init__(self, collection_id: str) -> None:
        super().__init__("Only the person who started this group gift can close it.")
        self.collection_id = collection_id


class NotContributor(InvalidRequest):
    """Someone who has not chipped in asked to show or hide their amount on the card."""

    def __init__(self, collection_id: str) -> None:
        super().__init__("You have not chipped in to this group gift.")
        self.collection_id = collection_id


class CollectionNotOpen(InvalidRequest):
    """The collection was closed or has expired: it takes no more contributions."""

    def __init__(self, collection_id: str, status: str) -> None:
        super().__init__(f"This group gift is {status}: it takes no more contributions.")
        self.collection_id = collection_id
        self.status = status


class InvalidCollection(InvalidRequest):
    """A collection that cannot be started (for oneself, a date in the past, no title); `reason` is
    a core.refusals.Reason, or an amount's refusal as core.amounts words it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Contribution:
    """One person's share: an order of the collection's pseudo-product, paid by their card."""

    order_id: str
    contributor: ChatUser
    amount: Money
    show_amount: bool  # the card shows the amount only when its contributor chose so
    created_at: datetime
    state: ContributionState = ContributionState.PENDING


@dataclass
class Collection:
    """A group gift: contributions gathered until the organiser closes it (or it closes on its
    date); a collection never closed is refunded after its deadline."""

    id: str
    organiser: ChatUser
    recipient: ChatUser
    recipient_conversation: ConversationRef
    title: str
    currency: str
    goal: int  # minor units; 0 for no goal
    created_at: datetime
    deadline: datetime  # still open then: refunded
    closes_at: datetime | None = None  # `by <date>`: closed (and delivered) on that date
    card: ConversationRef | None = None  # the channel message showing progress
    status: CollectionStatus = CollectionStatus.OPEN
    contributions: list[Contribution] = field(default_factory=list)
    closed_at: datetime | None = None
    reward_id: str = ""
    version: int = 0

    @classmethod
    def start(
        cls,
        collection_id: str,
        organiser: ChatUser,
        recipient: ChatUser,
        recipient_conversation: ConversationRef,
        title: str,
        goal: Money,
        closes_at: datetime | None,
        now: datetime,
    ) -> Collection:
        if recipient.same_person(organiser):
            raise InvalidCollection(Reason("collection_to_self"))
        if not title.strip():
            raise InvalidCollection(Reason("collection_title"))
        if closes_at is not None and not now < closes_at <= now + MAX_AHEAD:
            raise InvalidCollection(Reason("collection_closing", days=MAX_AHEAD.days))
        return cls(
            id=collection_id,
            organiser=organiser,
            recipient=recipient,
            recipient_conversation=recipient_conversation,
            title=title.strip()[:MAX_TITLE],
            currency=goal.currency,
            goal=goal.minor,
            created_at=now,
            deadline=closes_at + timedelta(days=1) if closes_at else now + OPEN_FOR,
            closes_at=closes_at,
        )

    @property
    def product_id(self) -> str:
        """The pseudo-product each contribution is an order of
        (core.funded_products.funded_product)."""
        return f"group:{self.currency}:{self.id}"

    @property
    def total(self) -> Money:
        counted = [c for c in self.contributions if c.state is ContributionState.COUNTED]
        return Money(sum(c.amount.minor for c in counted), self.currency)

    def check_open(self) -> None:
        if self.status is not CollectionStatus.OPEN:
            raise CollectionNotOpen(self.id, str(self.status))

    def pledge(self, contribution: Contribution) -> None:
        """A checkout opened for a contribution (a retried request keeps the first)."""
        self.check_open()
        if self.contribution(contribution.order_id) is None:
            self.contributions.append(contribution)

    def contribution(self, order_id: str) -> Contribution | None:
        return next((c for c in self.contributions if c.order_id == order_id), None)

    def count(self, order_id: str, contributor: ChatUser, amount: Money, at: datetime) -> bool:
        """The contribution's money arrived: part of the total if still open (False: refund it)."""
        found = self.contribution(order_id)
        if found is None:  # the pledge was lost (a crash between checkout and pledge): hidden
            found = Contribution(order_id, contributor, amount, False, at)
            self.contributions.append(found)
        if self.status is not CollectionStatus.OPEN:
            return False
        found.state = ContributionState.COUNTED
        return True

    def refunded(self, order_id: str) -> None:
        found = self.contribution(order_id)
        if found is not None:
            found.state = ContributionState.REFUNDED

    def toggle_shown(self, person: ChatUser) -> bool:
        """The person's own line shows their amount, or stops showing it; True when it now shows."""
        mine = [
            c
            for c in self.contributions
            if c.contributor.same_person(person) and c.state is not ContributionState.REFUNDED
        ]
        if not mine:
            raise NotContributor(self.id)
        show = not all(c.show_amount for c in mine)
        for contribution in mine:
            contribution.show_amount = show
        return show

    def close(self, at: datetime) -> Money:
        self.check_open()
        self.status = CollectionStatus.CLOSED
        self.closed_at = at
        return self.total

    def expire(self, at: datetime) -> None:
        self.check_open()
        self.status = CollectionStatus.EXPIRED
        self.closed_at = at

    @property
    def due_at(self) -> datetime | None:
        """When the deadline job must look at it next; None once nothing is left to do."""
        if self.status is CollectionStatus.OPEN:
            return self.closes_at or self.deadline
        return self.deadline if self.refunds_due else None

    @property
    def refunds_due(self) -> tuple[Contribution, ...]:
        """Money held for an expired collection, still to give back."""
        if self.status is not CollectionStatus.EXPIRED:
            return ()
        return tuple(c for c in self.contributions if c.state is ContributionState.COUNTED)


@dataclass(frozen=True)
class Chipper:
    """One line of the card: who chipped in, and how much only if they chose to show it."""

    name: str
    amount: Money | None


@dataclass(frozen=True)
class CollectionCard:
    """The channel card: goal, progress, who chipped in; a neutral view each channel renders."""

    collection_id: str
    title: str
    recipient_name: str
    organiser_name: str
    total: Money
    goal: Money | None
    status: str
    contributors: tuple[Chipper, ...]
    closes_on: str  # YYYY-MM-DD of `by`, or ""
    deadline_on: str  # YYYY-MM-DD

    @classmethod
    def of(cls, collection: Collection) -> CollectionCard:
        counted = [c for c in collection.contributions if c.state is not ContributionState.PENDING]
        in_total = [c for c in counted if c.state is ContributionState.COUNTED]
        return cls(
            collection_id=collection.id,
            title=collection.title,
            recipient_name=collection.recipient.name or "a colleague",
            organiser_name=collection.organiser.name or "a colleague",
            total=collection.total,
            goal=Money(collection.goal, collection.currency) if collection.goal else None,
            status=str(collection.status),
            contributors=tuple(
                Chipper(c.contributor.name or "a colleague", c.amount if c.show_amount else None)
                for c in in_total
            ),
            closes_on=collection.closes_at.date().isoformat() if collection.closes_at else "",
            deadline_on=collection.deadline.date().isoformat(),
        )

    @property
    def percent(self) -> int:
        if self.goal is None or not self.goal.minor:
            return 0
        return min(100, self.total.minor * 100 // self.goal.minor)

    @property
    def open(self) -> bool:
        return self.status == CollectionStatus.OPEN
