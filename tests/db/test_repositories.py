"""The repositories honour core.ports on SQLite and PostgreSQL, with the in-memory fake's
semantics."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from adapters.db import Database
from core.audit import AuditRecord, verify
from core.errors import ConcurrentUpdate, DuplicateRequest, OrderNotFound
from core.identity import ConversationRef
from core.money import Money
from core.orders import OrderStatus
from core.outbox import MessageKind, OutboxMessage
from core.vouchers import Voucher, VoucherStatus
from tests.db.conftest import ADA, GRACE, Backend, later, new_order


def voucher_for(
    order_id: str, backend: Backend, *, code: str = "QHB-7K3M-9Q2X-H4", pin: str | None = None
) -> Voucher:
    return Voucher(
        id=f"vch_{order_id}",
        order_id=order_id,
        product_id="quiet-harbour-books",
        amount=Money(2500, "USD"),
        owner=ADA,
        code=code,
        expires_on=date(2027, 11, 26),
        issued_at=backend.clock.now(),
        pin=pin,
        redeem_url="https://quietharbour.example/redeem/QHB-7K3M",
        provider="builtin",
        provider_reference="po-77",
    )


def message(
    order_id: str, key: str, backend: Backend, *, address: str = "C0HARBOUR", seconds: float = 0
) -> OutboxMessage:
    at = later(backend.clock, seconds)
    return OutboxMessage(
        id=f"msg_{key}",
        key=key,
        kind=MessageKind.ORDER_UPDATE,
        order_id=order_id,
        conversation=ConversationRef("slack", address),
        created_at=at,
        next_attempt_at=at,
    )


async def store_orders(database: Database, *orders: object) -> None:
    async with database.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)  # type: ignore[arg-type]
        await uow.commit()


# --- orders ---------------------------------------------------------------------------------------


async def test_an_order_round_trips_with_its_payment_details_and_history(backend: Backend) -> None:
    order = new_order("ord_ROUND", at=backend.clock.now(), buyer=GRACE)
    order.await_payment(
        intent_id="pi_harbour_1",
        client_secret="pi_harbour_1_secret_abc",
        token="tok-unguessable-1",
        expires_at=later(backend.clock, 1800),
        at=later(backend.clock, 1),
        source="teams",
    )
    await store_orders(backend.database, order)

    async with backend.database.unit_of_work() as uow:
        stored = await uow.orders.get("ord_ROUND")
        by_key = await uow.orders.find_by_request_key("req-ord_ROUND")
        by_intent = await uow.orders.find_by_intent("pi_harbour_1")
        by_token = await uow.orders.find_by_checkout_token("tok-unguessable-1")
        missing = await uow.orders.find_by_checkout_token("tok-someone-else")

    assert stored == order
    assert stored.version == 1
    assert (
        stored.history[-1].before is OrderStatus.CREATED
        and stored.history[-1].after is OrderStatus.AWAITING_PAYMENT
    )
    assert by_key == by_intent == by_token == order
    assert missing is None


async def test_an_unknown_order_is_not_found(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(OrderNotFound):
            await uow.orders.get("ord_NOWHERE")


async def test_a_second_order_with_the_same_request_key_is_refused_at_commit(
    backend: Backend,
) -> None:
    await store_orders(
        backend.database, new_order("ord_FIRST", at=backend.clock.now(), key="slack-trigger-42")
    )

    async with backend.database.unit_of_work() as uow:
        await uow.orders.add(
            new_order("ord_SECOND", at=backend.clock.now(), key="slack-trigger-42")
        )
        with pytest.raises(DuplicateRequest):
            await uow.commit()

    assert [o.id for o in await backend.database.list_orders()] == ["ord_FIRST"]


async def test_a_save_based_on_a_stale_read_raises_concurrent_update(backend: Backend) -> None:
    await store_orders(backend.database, new_order("ord_RACE", at=backend.clock.now()))
    async with backend.database.unit_of_work() as first, backend.database.unit_of_work() as second:
        mine = await first.orders.get("ord_RACE")
        theirs = await second.orders.get("ord_RACE")
        mine.cancel(at=later(backend.clock, 1), actor="slack")
        await first.orders.save(mine)
        await first.commit()
        theirs.fail_payment(
            "Your card was declined.", at=later(backend.clock, 2), source="stripe", announce=True
        )
        await second.orders.save(theirs)
        with pytest.raises(ConcurrentUpdate):
            await second.commit()

    async with backend.database.unit_of_work() as uow:
        stored = await uow.orders.get("ord_RACE")
    assert stored.status is OrderStatus.CANCELLED and stored.version == 2


async def test_saving_an_order_twice_in_one_unit_of_work_writes_its_last_state(
    backend: Backend,
) -> None:
    await store_orders(backend.database, new_order("ord_TWICE", at=backend.clock.now()))

    async with backend.database.unit_of_work() as uow:
        order = await uow.orders.get("ord_TWICE")
        order.cancel(at=later(backend.clock, 1), actor="slack")
        await uow.orders.save(order)
        order.failure_reason = "changed my mind"
        await uow.orders.save(order)
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        stored = await uow.orders.get("ord_TWICE")
    assert (stored.status, stored.failure_reason, stored.version) == (
        OrderStatus.CANCELLED,
        "changed my mind",
        2,
    )
    assert order.version == 2


async def test_nothing_is_written_unless_committed(backend: Backend) -> None:
    await store_orders(backend.database, new_order("ord_KEPT", at=backend.clock.now()))
    async with backend.database.unit_of_work() as uow:
        await uow.orders.add(new_order("ord_DRAFT", at=backend.clock.now()))
        await uow.events.add("evt_draft", "payment_intent.succeeded")
        await uow.vouchers.add(voucher_for("ord_KEPT", backend))
        await uow.outbox.add(message("ord_KEPT", "draft-message", backend))
        uow.audit.record(AuditRecord("U0ADA", "order.created", "ord_DRAFT"))

    async with backend.database.unit_of_work() as uow:
        assert await uow.orders.find_by_request_key("req-ord_DRAFT") is None
        assert await uow.vouchers.for_order("ord_KEPT") is None
        assert await uow.outbox.for_order("ord_KEPT") == []
        assert await uow.audit.entries() == []
        await uow.events.add(
            "evt_draft", "payment_intent.succeeded"
        )  # not a duplicate: never stored
        await uow.commit()


async def test_buyer_orders_come_newest_first_and_stuck_orders_oldest_first(
    backend: Backend,
) -> None:
    clock = backend.clock
    orders = [new_order(f"ord_{n}", at=later(clock, n)) for n in range(3)]
    await store_orders(
        backend.database, *orders, new_order("ord_GRACE", at=clock.now(), buyer=GRACE)
    )

    async with backend.database.unit_of_work() as uow:
        mine = await uow.orders.list_for_buyer(ADA.key, limit=2)
        stuck = await uow.orders.list_stuck([OrderStatus.CREATED], later(clock, 2), limit=10)
        none_paid = await uow.orders.list_stuck([OrderStatus.PAID], later(clock, 60), limit=10)

    assert [o.id for o in mine] == ["ord_2", "ord_1"]
    assert [o.id for o in stuck] == ["ord_0", "ord_GRACE", "ord_1"]  # ties by id
    assert none_paid == []


# --- vouchers and events --------------------------------------------------------------------------


async def test_a_voucher_round_trips_and_a_second_one_for_the_order_is_refused(
    backend: Backend,
) -> None:
    await store_orders(backend.database, new_order("ord_V", at=backend.clock.now()))
    voucher = voucher_for("ord_V", backend, pin="8264")
    async with backend.database.unit_of_work() as uow:
        await uow.vouchers.add(voucher)
        await uow.commit()

    with pytest.raises(DuplicateRequest):
        async with backend.database.unit_of_work() as uow:
            await uow.vouchers.add(
                replace(voucher_for("ord_V", backend, code="QHB-OTHER-CODE"), id="vch_2")
            )
            await uow.commit()

    async with backend.database.unit_of_work() as uow:
        assert await uow.vouchers.for_order("ord_V") == voucher
        assert await uow.vouchers.for_order("ord_NONE") is None


async def test_a_voided_voucher_stays_void_and_owners_see_newest_first(backend: Backend) -> None:
    await store_orders(
        backend.database, *(new_order(f"ord_{n}", at=backend.clock.now()) for n in range(2))
    )
    async with backend.database.unit_of_work() as uow:
        for n in range(2):
            backend.clock.advance(minutes=1)
            await uow.vouchers.add(voucher_for(f"ord_{n}", backend))
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        voucher = await uow.vouchers.for_order("ord_0")
        assert voucher is not None
        voucher.void()
        await uow.vouchers.save(voucher)
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        owned = await uow.vouchers.list_for_owner(ADA.key)
        assert await uow.vouchers.list_for_owner(GRACE.key) == []
    assert [(v.order_id, v.status) for v in owned] == [
        ("ord_1", VoucherStatus.ACTIVE),
        ("ord_0", VoucherStatus.VOID),
    ]


async def test_a_repeated_payment_event_is_a_duplicate_request(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.events.add("evt_1QHarbour", "payment_intent.succeeded")
        await uow.commit()

    with pytest.raises(DuplicateRequest):
        async with database.unit_of_work() as uow:
            await uow.events.add("evt_1QHarbour", "payment_intent.succeeded")
            await uow.commit()


# --- outbox ---------------------------------------------------------------------------------------


async def test_an_outbox_message_is_queued_once_per_key_and_round_trips(backend: Backend) -> None:
    await store_orders(backend.database, new_order("ord_M", at=backend.clock.now()))
    queued = message("ord_M", "ord_M:order_update:awaiting_payment:1", backend)
    queued = replace(queued, announces="awaiting_payment")
    async with backend.database.unit_of_work() as uow:
        assert await uow.outbox.add(queued) is True
        assert await uow.outbox.add(replace(queued, id="msg_other")) is False
        await uow.commit()
    async with backend.database.unit_of_work() as uow:
        assert await uow.outbox.add(queued) is False
        await uow.commit()

    async with backend.database.unit_of_work() as uow:
        stored = await uow.outbox.for_order("ord_M")
        assert stored[0].announces == "awaiting_payment"
        stored[0].retry_later("429 too many requests", backend.clock.now(), timedelta(seconds=2))
        await uow.outbox.save(stored[0])
        await uow.commit()
    async with backend.database.unit_of_work() as uow:
        assert await uow.outbox.for_order("ord_M") == stored
        assert await uow.outbox.pending_count() == 1


async def test_claims_are_oldest_first_leased_and_wait_behind_a_conversations_earlier_message(
    backend: Backend,
) -> None:
    clock = backend.clock
    await store_orders(backend.database, new_order("ord_C", at=clock.now()))
    waiting = message("ord_C", "harbour-1", backend, address="C0HARBOUR", seconds=-3)
    waiting.next_attempt_at = later(clock, 30)  # throttled: retried in 30 s
    async with backend.database.unit_of_work() as uow:
        await uow.outbox.add(waiting)
        await uow.outbox.add(
            message("ord_C", "harbour-2", backend, address="C0HARBOUR", seconds=-2)
        )
        await uow.outbox.add(
            message("ord_C", "lantern-2", backend, address="C0LANTERN", seconds=-1)
        )
        await uow.outbox.add(
            message("ord_C", "lantern-1", backend, address="C0LANTERN", seconds=-4)
        )
        await uow.outbox.add(message("ord_C", "tea-later", backend, address="C0TEA", seconds=+5))
        await uow.commit()

    lease = later(clock, 60)
    async with backend.database.unit_of_work() as uow:
        first = await uow.outbox.claim_due(clock.now(), lease, limit=10)
        await uow.commit()
    async with backend.database.unit_of_work() as uow:
        again = await uow.outbox.claim_due(clock.now(), lease, limit=10)
        await uow.commit()

    assert [m.key for m in first] == ["lantern-1", "lantern-2"]
    assert all(m.next_attempt_at == lease for m in first)
    assert again == []
    async with backend.database.unit_of_work() as uow:
        stored = await uow.outbox.for_order("ord_C")
    assert {m.key: m.next_attempt_at for m in stored}["lantern-2"] == lease


async def test_a_claim_limit_takes_the_oldest_messages(backend: Backend) -> None:
    await store_orders(backend.database, new_order("ord_L", at=backend.clock.now()))
    async with backend.database.unit_of_work() as uow:
        for n in range(5):
            await uow.outbox.add(
                message("ord_L", f"m{n}", backend, address=f"C{n}", seconds=-10 + n)
            )
        await uow.commit()
    async with backend.database.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(backend.clock.now(), later(backend.clock, 60), limit=3)
        await uow.commit()
    assert [m.key for m in claimed] == ["m0", "m1", "m2"]


async def test_concurrent_claimers_take_every_message_once_and_in_order_per_conversation(
    backend: Backend,
) -> None:
    clock, database = backend.clock, backend.database
    await store_orders(database, new_order("ord_BULK", at=clock.now()))
    async with database.unit_of_work() as uow:
        for n in range(120):
            await uow.outbox.add(
                message(
                    "ord_BULK", f"bulk-{n:03d}", backend, address=f"D{n % 15}", seconds=-200 + n
                )
            )
        await uow.commit()
    claimed: list[str] = []
    delivered: set[str] = set()
    overtaken: list[
        str
    ] = []  # messages claimed while an older one of their conversation was still in flight

    def check_in_order(batch: list[OutboxMessage]) -> None:
        in_batch = {m.key for m in batch}
        for m in batch:
            n = int(m.key[5:])
            earlier = {f"bulk-{e:03d}" for e in range(n % 15, n, 15)}
            overtaken.extend(m.key for key in earlier - delivered - in_batch)

    async def claimer() -> None:
        while True:
            async with database.unit_of_work() as uow:
                batch = list(await uow.outbox.claim_due(clock.now(), later(clock, 300), limit=7))
                await uow.commit()
            check_in_order(batch)
            claimed.extend(m.key for m in batch)
            for sent in batch:  # deliver: only then may the conversation's next message go
                delivered.add(sent.key)
                async with database.unit_of_work() as uow:
                    sent.sent(clock.now())
                    await uow.outbox.save(sent)
                    await uow.commit()
            if not batch:
                async with database.unit_of_work() as uow:
                    if await uow.outbox.pending_count() == 0:
                        return
                await asyncio.sleep(0.002)

    await asyncio.gather(*(claimer() for _ in range(4)))

    assert sorted(claimed) == [f"bulk-{n:03d}" for n in range(120)]
    assert overtaken == []


async def test_more_concurrent_writers_than_pooled_connections_all_commit(backend: Backend) -> None:
    await store_orders(backend.database, new_order("ord_BUSY", at=backend.clock.now()))

    async def read_then_write(n: int) -> None:
        async with backend.database.unit_of_work() as uow:
            if n % 2:
                await uow.orders.get("ord_BUSY")  # holds a pooled connection from here on
            await uow.events.add(f"evt_busy_{n}", "payment_intent.succeeded")
            await uow.commit()

    await asyncio.gather(*(read_then_write(n) for n in range(40)))

    async with backend.database.unit_of_work() as uow:
        with pytest.raises(DuplicateRequest):
            await uow.events.add("evt_busy_39", "payment_intent.succeeded")


# --- audit ----------------------------------------------------------------------------------------


async def test_the_audit_chain_stays_intact_when_20_transactions_commit_at_once(
    database: Database,
) -> None:
    async def act(n: int) -> None:
        async with database.unit_of_work() as uow:
            uow.audit.record(
                AuditRecord(
                    "admin:ops@harbour.example", "voucher.resend", f"ord_{n}", None, {"n": n}
                )
            )
            uow.audit.record(AuditRecord("system", "order.checked", f"ord_{n}"))
            await uow.commit()

    await asyncio.gather(*(act(n) for n in range(20)))

    async with database.unit_of_work() as uow:
        entries = await uow.audit.entries()
        one = await uow.audit.entries(subject="ord_7")
    assert [e.seq for e in entries] == list(range(1, 41))
    assert verify(entries).intact
    assert [e.action for e in one] == ["voucher.resend", "order.checked"] and one[0].after == {
        "n": 7
    }


async def test_an_audit_row_altered_in_sql_is_detected(backend: Backend) -> None:
    async with backend.database.unit_of_work() as uow:
        for n in range(4):
            uow.audit.record(
                AuditRecord(
                    "admin:ops@harbour.example", "order.refunded", f"ord_{n}", {"s": "paid"}
                )
            )
        await uow.commit()

    await backend.execute_raw("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3")

    async with backend.database.unit_of_work() as uow:
        report = verify(await uow.audit.entries())
    assert (report.intact, report.first_broken_seq, report.checked) == (False, 3, 2)


# --- secrets at rest ------------------------------------------------------------------------------


async def test_the_stored_data_holds_no_code_pin_redemption_url_or_payment_secret_in_plaintext(
    backend: Backend,
) -> None:
    order = new_order("ord_SECRET", at=backend.clock.now())
    order.await_payment(
        intent_id="pi_9",
        client_secret="pi_9_secret_ZQXJ",
        token="tok-ZQXJ-unguessable",
        expires_at=later(backend.clock, 60),
        at=backend.clock.now(),
        source="slack",
    )
    await store_orders(backend.database, order)
    async with backend.database.unit_of_work() as uow:
        await uow.vouchers.add(
            voucher_for("ord_SECRET", backend, code="HARBOUR-SECRET-CODE-93", pin="PIN-7719-QUIET")
        )
        await uow.commit()

    raw = await backend.raw_contents()

    assert b"ord_SECRET" in raw  # the check reads the data that is there
    for secret in (
        b"HARBOUR-SECRET-CODE-93",
        b"PIN-7719-QUIET",
        b"quietharbour.example/redeem",
        b"pi_9_secret_ZQXJ",
        b"tok-ZQXJ-unguessable",
    ):
        assert secret not in raw
