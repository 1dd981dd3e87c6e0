"""Gifts: vouchers for colleagues found by email, group gifts and "their choice" gifts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from adapters.db.database import Database
from bot.build.lifecycle import Lifecycle
from bot.settings import Settings
from core.checkout import Checkout
from core.employees import EmployeeDirectory
from core.funded import Funded
from core.gifting import Gifts
from core.group_gifts import GroupGifts
from core.ports import Clock, RandomIds


@dataclass(frozen=True)
class Giving:
    gifts: Gifts
    group_gifts: GroupGifts


def build_giving(
    settings: Settings,
    database: Database,
    checkout: Checkout,
    clock: Clock,
    people: EmployeeDirectory,
    life: Lifecycle,
) -> Giving:
    # Gifts by email reach whoever the directory finds, in Slack or Teams (imported employees
    # first).
    gifts = Gifts(
        uow=database.unit_of_work, checkout=checkout, clock=clock, people=people, ids=RandomIds()
    )
    group_gifts = build_group_gifts(database, checkout, clock)
    life.run_once_across_replicas([(settings.collection_check_seconds, group_gifts.settle_due)])
    return Giving(gifts, group_gifts)


def build_group_gifts(database: Database, checkout: Checkout, clock: Clock) -> GroupGifts:
    """Group gifts and "their choice" gifts: paid orders that fund a reward instead of a voucher."""
    ids = RandomIds()
    funded = Funded(uow=database.unit_of_work, ids=ids, clock=clock, refund=checkout.refund)
    checkout.absorb = funded.absorb
    counts = Counter(p.currency for p in checkout.catalog)
    currency = counts.most_common(1)[0][0] if counts else "USD"
    return GroupGifts(
        uow=database.unit_of_work,
        checkout=checkout,
        funded=funded,
        clock=clock,
        ids=ids,
        default_currency=currency,
    )
