"""Rotating VOUCHER_ENCRYPTION_KEY: restarted with a new key and the old one in
VOUCHER_PREVIOUS_KEYS, the bot still shows every voucher written before, and writes new ones with
the new key only."""

from __future__ import annotations

import json

import pytest

from adapters.db import CipherError, Database, VoucherCipher
from tests.e2e.world import eventually
from tests.faults.cluster import Cluster
from tests.faults.ledger import settled
from tests.faults.people import (
    JSON,
    ProxiedChat,
    deliver,
    payment_event,
    place_orders,
    teams_buyers,
)
from tests.teams.conftest import card_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = {"RECOVERY_INTERVAL_SECONDS": "1", "STUCK_ORDER_SECONDS": "3"}


@pytest.fixture(scope="module")
def backend() -> str:
    """The key is the replicas' business, not the database's: one SQLite replica is enough."""
    return "sqlite"


async def buy_and_pay(cluster: Cluster, buyer: ProxiedChat) -> str:
    (order,) = (await place_orders(cluster, [buyer])).values()
    await deliver(cluster, payment_event("payment_intent.succeeded", order))
    await eventually(lambda: settled(cluster, order.id), what="the voucher delivered")
    return order.id


async def stored_code(database: Database, order_id: str) -> str:
    async with database.unit_of_work() as uow:
        voucher = await uow.vouchers.for_order(order_id)
    assert voucher is not None
    return voucher.code


async def test_after_a_key_rotation_old_vouchers_still_show_and_new_ones_use_the_new_key(
    cluster: Cluster,
) -> None:
    (replica,) = cluster.replicas
    buyer = teams_buyers(cluster, "rotation", 1)[0]
    before = await buy_and_pay(cluster, buyer)
    old_key, new_key = replica.env["VOUCHER_ENCRYPTION_KEY"], VoucherCipher.generate_key().decode()
    old_code = await stored_code(cluster.reader, before)

    assert await replica.stop() == 0
    replica.env.update(VOUCHER_ENCRYPTION_KEY=new_key, VOUCHER_PREVIOUS_KEYS=old_key)
    await replica.start()
    await cluster.reader.dispose()  # the test reads with the rotated keys too
    cluster.reader = Database(
        cluster.database.url, VoucherCipher(new_key.encode(), previous_keys=[old_key.encode()])
    )
    wallet = await cluster.post(
        "/api/messages", json.dumps(buyer.message("vouchers mine")).encode(), JSON
    )
    after = await buy_and_pay(cluster, teams_buyers(cluster, "rotation-after", 1)[0])

    assert wallet.status in (200, 201)
    assert any(c.cards and old_code in card_text(c.card) for c in buyer.calls()), (
        "the old voucher is unreadable"
    )
    only_new = Database(cluster.database.url, VoucherCipher(new_key.encode()))
    try:
        assert await stored_code(only_new, after)
        with pytest.raises(CipherError):
            await stored_code(only_new, before)
    finally:
        await only_new.dispose()
