"""Prometheus metrics: order states, vouchers issued, outbox depth, webhook and delivery latency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    """One registry per server, so tests and several apps in one process never collide."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.orders = Gauge(
            "voucherbot_orders", "Orders by status", ["status"], registry=self.registry
        )
        self.vouchers = Gauge(
            "voucherbot_vouchers_issued", "Vouchers issued", registry=self.registry
        )
        self.outbox_depth = Gauge(
            "voucherbot_outbox_depth", "Messages waiting to be delivered", registry=self.registry
        )
        self.requests = Histogram(
            "voucherbot_http_request_seconds",
            "HTTP request latency by route (webhooks included)",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.delivery = Histogram(
            "voucherbot_delivery_seconds",
            "Time from queueing a message to its delivery",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.delivery_outcomes = Counter(
            "voucherbot_delivery_attempts",
            "Delivery attempts by outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )

    async def render(
        self,
        counts_by_status: Callable[[], Awaitable[dict[str, int]]],
        vouchers_issued: Callable[[], Awaitable[int]],
        outbox_depth: Callable[[], Awaitable[int]],
    ) -> bytes:
        """Refresh the gauges from the database, then render the text format."""
        for status, count in (await counts_by_status()).items():
            self.orders.labels(status=status).set(count)
        self.vouchers.set(await vouchers_issued())
        self.outbox_depth.set(await outbox_depth())
        return generate_latest(self.registry)
