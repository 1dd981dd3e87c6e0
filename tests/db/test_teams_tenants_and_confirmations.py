"""The stores chat adapters share across replicas: Teams tenants, and confirmations waiting for a
click."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.identity import TenantEndpoint
from tests.db.conftest import Backend

CONTOSO = (
    "72F988BF-86F1-41AF-91AB-2D7CD011DB47"  # an HR system may send upper case; Teams sends lower
)


async def test_a_tenant_is_remembered_by_id_whatever_its_case_and_replaced_by_its_latest_activity(
    backend: Backend,
) -> None:
    tenants = backend.database.teams_tenants()
    first = TenantEndpoint(
        CONTOSO.lower(), "https://smba.trafficmanager.net/amer/", "28:app", "Voucherbot"
    )
    moved = TenantEndpoint(
        CONTOSO.lower(), "https://smba.trafficmanager.net/emea/", "28:app", "Voucherbot"
    )

    unseen = await tenants.find(CONTOSO)
    await tenants.remember(first)
    await asyncio.gather(tenants.remember(moved), tenants.remember(moved))

    assert unseen is None
    assert await tenants.find(CONTOSO) == moved
    assert await tenants.find(f" {CONTOSO.lower()} ") == moved
    assert await tenants.find("00000000-0000-0000-0000-000000000000") is None


async def test_a_confirmation_is_taken_once_even_by_racing_clicks_and_later_clicks_see_its_outcome(
    backend: Backend,
) -> None:
    pending = backend.database.pending_confirmations()
    await pending.put("reward:T1:U0HR:c900", '{"amount": 2500}', timedelta(seconds=1800))
    await pending.put("reward:T1:U0HR:c900", '{"amount": 9999}', timedelta(seconds=1800))  # a retry

    before = await pending.taken("reward:T1:U0HR:c900")
    takes = await asyncio.gather(*(pending.take("reward:T1:U0HR:c900") for _ in range(5)))
    working = await pending.taken("reward:T1:U0HR:c900")
    await pending.finish("reward:T1:U0HR:c900", '{"text": "Sent 3 rewards"}')

    assert before is None
    assert [t for t in takes if t is not None] == ['{"amount": 2500}'] and takes.count(None) == 4
    assert working == ""
    assert await pending.taken("reward:T1:U0HR:c900") == '{"text": "Sent 3 rewards"}'
    assert await pending.take("reward:T1:U0HR:unknown") is None


async def test_a_released_confirmation_can_be_taken_again_and_a_discarded_one_is_gone(
    backend: Backend,
) -> None:
    pending = backend.database.pending_confirmations()
    await pending.put("retry", "{}", timedelta(seconds=60))
    await pending.put("cancel", "{}", timedelta(seconds=60))

    await pending.take("retry")
    await pending.release("retry")
    await pending.discard("cancel")

    assert await pending.take("retry") == "{}"
    assert (await pending.take("cancel"), await pending.taken("cancel")) == (None, None)


async def test_an_expired_confirmation_is_not_taken_nor_reported_taken_and_its_key_can_be_used_again(
    backend: Backend,
) -> None:
    pending = backend.database.pending_confirmations()
    await pending.put("old", '{"n": 1}', timedelta(seconds=60))
    await pending.put("old-taken", '{"n": 2}', timedelta(seconds=60))
    await pending.take("old-taken")
    backend.clock.advance(seconds=61)

    expired = (await pending.take("old"), await pending.taken("old-taken"))
    await pending.put("old-taken", '{"n": 3}', timedelta(seconds=60))

    assert expired == (None, None)
    assert await pending.take("old-taken") == '{"n": 3}'
