"""Delivery and the workers: the outbox relay over the channels' senders, and the scheduled jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.db.database import Database
from bot.buckets import paced
from bot.build.lifecycle import Lifecycle
from bot.build.shop import Shop
from bot.metrics import Metrics
from bot.settings import Settings
from bot.workers import BackgroundTasks, Workers
from core.delivery import Relay
from core.pacing import TokenBuckets
from core.ports import ChatSender, Clock


@dataclass(frozen=True)
class Delivery:
    relay: Relay
    workers: Workers
    metrics: Metrics


def build_delivery(
    settings: Settings,
    database: Database,
    shop: Shop,
    senders: Mapping[str, ChatSender],
    buckets: TokenBuckets,
    clock: Clock,
    background: BackgroundTasks,
    life: Lifecycle,
) -> Delivery:
    relay = Relay(
        uow=database.unit_of_work,
        catalog=shop.catalog,
        senders=paced(senders, buckets, settings),  # every replica shares one budget per platform
        clock=clock,
        checkout_url=shop.checkout.checkout_url,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    metrics = Metrics()
    workers = Workers(
        relay=relay,
        checkout=shop.checkout,
        metrics=metrics,
        recovery_seconds=settings.recovery_interval_seconds,
        periodic=life.leased,
        every_replica=life.every_replica,
        background=background,
        # periodic jobs run once across replicas, not once per replica
        leases=database.job_leases(),
    )
    return Delivery(relay, workers, metrics)
