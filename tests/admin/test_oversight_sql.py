"""The dashboard's SQL on SQLite and PostgreSQL: filters, UTC days, balances, attention, users and
sessions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.db.admin_users import SqlAdminAccounts
from adapters.db.oversight import SqlOversight
from core.audit import AuditRecord
from core.errors import DuplicateRequest, OrderNotFound, ProgrammeNotFound
from core.identity import ConversationRef
from core.money import Money
from core.orders import Order, OrderStatus
from core.outbox import MessageKind, OutboxMessage
from core.oversight.accounts import AdminRole, AdminSession, AdminUser
from core.oversight.lockout import Lockout
from core.oversight.queries import AuditQuery, OrderQuery, RewardQuery
from core.rewards import LedgerEntry, LedgerKind, Programme, Reward
from core.vouchers import Voucher
from tests.db.conftest import ADA, GRACE, Backend, new_order

MIDNIGHT = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


async def _store(backend: Backend, *orders: Order) -> None:
    async with backend.database.unit_of_work() as uow:
        for order in orders:
            await uow.orders.add(order)
        await uow.commit()


def _at(hours: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hours)


def _ids(page: object) -> list[str]:
    return [line.order_id for line in page.items]  # type: ignore[attr-defined]


async def test_orders_are_filtered_by_each_field_newest_first(backend: Backend) -> None:
    late = new_order("ord_late", at=_at(-0.5), buyer=ADA)  # 19 Nov, 23:30 UTC
    tea = replace(new_order("ord_tea", at=_at(0.5), buyer=GRACE), product_id="lantern-tea")
    funded = replace(
        new_order("ord_funded", at=_at(30), buyer=ADA), reward_id="rwd_1", reward_minor=500
    )
    funded.cancel(at=_at(31), actor="slack")
    await _store(backend, late, tea, funded)
    await _reward(backend, "rwd_1", "kudos")
    oversight = SqlOversight.of(backend.database)

    async def ids(**filters: object) -> list[str]:
        return _ids(await oversight.orders(OrderQuery(**filters)))  # type: ignore[arg-type]

    assert await ids() == ["ord_funded", "ord_tea", "ord_late"]
    assert await ids(status="cancelled") == ["ord_funded"]
    assert await ids(platform="teams") == ["ord_tea"]
    assert await ids(since=date(2026, 11, 20), until=date(2026, 11, 20)) == ["ord_tea"]
    assert await ids(until=date(2026, 11, 19)) == ["ord_late"]
    assert await ids(product_id="lantern-tea") == ["ord_tea"]
    assert await ids(buyer="grace") == ["ord_tea"]
    assert await ids(buyer="U0ADA") == ["ord_funded", "ord_late"]
    assert await ids(programme_id="kudos") == ["ord_funded"]
    assert await ids(text="TEA") == ["ord_tea"]
    assert await ids(text="%") == [] and await ids(text="_") == [
        "ord_funded",
        "ord_tea",
        "ord_late",
    ]


async def test_pages_split_the_list_and_count_all_matches(backend: Backend) -> None:
    await _store(backend, *(new_order(f"ord_{n:02d}", at=_at(n)) for n in range(7)))
    oversight = SqlOversight.of(backend.database)

    first = await oversight.orders(OrderQuery(per_page=3))
    last = await oversight.orders(OrderQuery(per_page=3, page=3))

    assert (_ids(first), first.total, first.pages, first.has_next) == (
        ["ord_06", "ord_05", "ord_04"],
        7,
        3,
        True,
    )
    assert (_ids(last), last.has_next, last.has_previous) == (["ord_00"], False, True)


async def test_overview_counts_orders_by_utc_day_status_and_currency(backend: Backend) -> None:
    late, early = new_order("ord_late", at=_at(-0.5)), new_order("ord_early", at=_at(0.5))
    paid = new_order("ord_paid", at=_at(1))
    paid.pay(at=_at(1.2), source="stripe")
    await _store(backend, late, early, paid)

    overview = await SqlOversight.of(backend.database).overview(
        date(2026, 11, 18), date(2026, 11, 20)
    )
    series = overview.series("USD")

    assert [(t.day, t.status, t.count, t.minor) for t in overview.totals] == [
        (date(2026, 11, 19), OrderStatus.CREATED, 1, 2500),
        (date(2026, 11, 20), OrderStatus.CREATED, 1, 2500),
        (date(2026, 11, 20), OrderStatus.PAID, 1, 2500),
    ]
    assert [(p.day.day, p.orders, p.value.minor) for p in series] == [
        (18, 0, 0),
        (19, 1, 0),
        (20, 2, 2500),
    ]
    assert overview.settled() == (Money(2500, "USD"),)


async def test_an_orders_detail_masks_its_code_and_gathers_messages_and_audit(
    backend: Backend,
) -> None:
    order = new_order("ord_detail", at=_at(0))
    other = new_order("ord_other", at=_at(0))
    await _store(backend, order, other)
    voucher = Voucher("vch_1", order.id, order.product_id, order.amount, ADA, "QHB-2222-7K3M", date(2027, 11, 20),
                      _at(1), pin="9876")  # fmt: skip
    async with backend.database.unit_of_work() as uow:
        await uow.vouchers.add(voucher)
        await uow.outbox.add(_message("msg_1", order.id, MessageKind.VOUCHER_DELIVERY))
        uow.audit.record(
            AuditRecord(
                "system", "voucher.issued", order.id, None, {"voucher": voucher.masked_code}
            )
        )
        uow.audit.record(AuditRecord("system", "order.created", other.id))
        await uow.commit()

    detail = await SqlOversight.of(backend.database).order(order.id)

    assert (
        detail.voucher is not None
        and detail.voucher.masked_code == "••••7K3M"
        and detail.voucher.has_pin
    )
    assert "QHB-2222-7K3M" not in repr(detail)
    assert [m.message_id for m in detail.deliveries] == ["msg_1"]
    assert [e.subject for e in detail.audit] == [order.id]
    with pytest.raises(OrderNotFound):
        await SqlOversight.of(backend.database).order("ord_missing")


def _message(message_id: str, order_id: str, kind: MessageKind) -> OutboxMessage:
    conversation = ConversationRef("slack", '{"channel": "DU0ADA"}')
    return OutboxMessage(
        message_id, f"{order_id}:{kind}:{message_id}", kind, order_id, conversation, _at(1), _at(1)
    )


async def test_the_audit_list_is_filtered_by_actor_action_prefix_subject_and_day(
    backend: Backend,
) -> None:
    records = [
        AuditRecord("stripe", "order.paid", "ord_1"),
        AuditRecord("admin:ops@example.com", "order.refunded", "ord_1"),
        AuditRecord("admin:ops@example.com", "voucher.revealed", "ord_2"),
        AuditRecord("system", "order_note", "ord_3"),  # "order." must not match "order_"
    ]
    async with backend.database.unit_of_work() as uow:
        for record in records:
            uow.audit.record(record)
        await uow.commit()
    oversight = SqlOversight.of(backend.database)

    async def actions(**filters: object) -> list[str]:
        page = await oversight.audit(AuditQuery(**filters))  # type: ignore[arg-type]
        return [entry.action for entry in page.items]

    assert await actions() == ["order_note", "voucher.revealed", "order.refunded", "order.paid"]
    assert await actions(action="order.") == ["order.refunded", "order.paid"]
    assert await actions(actor="ops@") == ["voucher.revealed", "order.refunded"]
    assert await actions(subject="ord_1") == ["order.refunded", "order.paid"]
    today = backend.clock.now().date()
    assert len(await actions(since=today, until=today)) == 4
    assert await actions(until=today - timedelta(days=1)) == []
    assert [e.seq for e in await oversight.audit_chain()] == [1, 2, 3, 4]


async def test_programme_balances_are_the_sums_of_their_ledgers(backend: Backend) -> None:
    await _reward(backend, "rwd_1", "kudos")
    async with backend.database.unit_of_work() as uow:
        for n, (kind, minor) in enumerate([(LedgerKind.CREDIT, 10000), (LedgerKind.RESERVE, 2500),
                                           (LedgerKind.DEBIT, 1000)]):  # fmt: skip
            await uow.ledger.add(LedgerEntry(f"led_{n}", "kudos", kind, minor, _at(n), "setup"))
        await uow.commit()
    oversight = SqlOversight.of(backend.database)

    [balance] = await oversight.programmes()
    ledger = await oversight.ledger("kudos")
    rewards = await oversight.rewards(RewardQuery(programme_id="kudos", status="sent"))

    assert (balance.budget.credited, balance.budget.reserved, balance.budget.spent) == (
        10000,
        1500,
        1000,
    )
    assert balance.budget.available == 7500
    assert balance.rewards_by_status == (("sent", 1),)
    assert [entry.id for entry in ledger] == ["led_2", "led_1", "led_0"]
    assert [reward.id for reward in rewards.items] == ["rwd_1"]


async def _reward(backend: Backend, reward_id: str, programme_id: str) -> None:
    async with backend.database.unit_of_work() as uow:
        try:
            await uow.programmes.get(programme_id)
        except ProgrammeNotFound:
            await uow.programmes.add(Programme(programme_id, "Kudos", "USD"))
        conversation = ConversationRef("slack", '{"user": "U0ADA"}')
        await uow.rewards.add(
            Reward(
                reward_id,
                programme_id,
                GRACE,
                ADA,
                conversation,
                Money(2500, "USD"),
                "Thanks",
                _at(0),
                _at(24 * 90),
                f"req-{reward_id}",
            )
        )
        await uow.commit()


async def test_attention_lists_undeliverable_and_retrying_messages_and_failed_issuance(
    backend: Backend,
) -> None:
    stuck = new_order("ord_stuck", at=_at(0))
    stuck.pay(at=_at(1), source="stripe")
    stuck.start_issuing(at=_at(1))
    stuck.fail_issuance("out of stock", at=_at(2))
    declined = new_order("ord_declined", at=_at(0))
    declined.fail_payment("Your card was declined.", at=_at(1), source="stripe", announce=True)
    await _store(backend, stuck, declined)
    dead, retrying, fine = (
        _message(f"msg_{n}", "ord_stuck", MessageKind.ORDER_UPDATE) for n in range(3)
    )
    dead.give_up("403 not installed", _at(3))
    retrying.retry_later("429", _at(3), timedelta(seconds=30))
    async with backend.database.unit_of_work() as uow:
        for message in (dead, retrying, fine):
            await uow.outbox.add(message)
        await uow.commit()

    attention = await SqlOversight.of(backend.database).attention()

    assert [m.message_id for m in attention.undeliverable] == ["msg_0"]
    assert [m.message_id for m in attention.retrying] == ["msg_1"]
    assert [line.order_id for line in attention.failed_issuance] == ["ord_stuck"]
    assert attention.count == 2


# --- dashboard users
# ---------------------------------------------------------------------------------


def _user(email: str = "ops@example.com") -> AdminUser:
    return AdminUser(email, AdminRole.ADMIN, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", _at(0))


async def test_a_user_is_stored_once_and_found_by_email(backend: Backend) -> None:
    accounts = SqlAdminAccounts.of(backend.database)
    await accounts.add(_user())

    with pytest.raises(DuplicateRequest):
        await accounts.add(_user())

    assert (await accounts.get("ops@example.com")) == _user()
    assert await accounts.get("nobody@example.com") is None
    assert [u.email for u in await accounts.list()] == ["ops@example.com"]


async def test_concurrent_wrong_passwords_are_each_counted_and_the_fifth_locks(
    backend: Backend,
) -> None:
    accounts = SqlAdminAccounts.of(backend.database)
    await accounts.add(_user())

    await asyncio.gather(*(accounts.begin_sign_in("ops@example.com", _at(1)) for _ in range(5)))
    await asyncio.gather(
        *(accounts.sign_in_failed("ops@example.com", _at(1), Lockout()) for _ in range(5))
    )

    user = await accounts.get("ops@example.com")
    assert (
        user is not None
        and user.failed_logins == 5
        and user.locked_until == _at(1) + timedelta(minutes=1)
    )
    attempt = await accounts.begin_sign_in("ops@example.com", _at(2))
    assert attempt is not None and await accounts.sign_in_right(attempt, _at(2), Lockout())
    assert (await accounts.get("ops@example.com")) == replace(_user(), last_login_at=_at(2))
    assert await accounts.begin_sign_in("nobody@example.com", _at(1)) is None


async def test_a_session_is_found_until_it_expires_or_is_closed(backend: Backend) -> None:
    accounts = SqlAdminAccounts.of(backend.database)
    await accounts.add(_user())
    session = AdminSession("a" * 64, "ops@example.com", AdminRole.ADMIN, _at(0), _at(1), _at(0))
    await accounts.open_session(session)

    found = await accounts.find_session("a" * 64, _at(0.5))
    await accounts.touch_session("a" * 64, _at(0.9), _at(1.9))
    extended = await accounts.find_session("a" * 64, _at(1.5))
    expired = await accounts.find_session("a" * 64, _at(2))
    await accounts.close_session("a" * 64)

    assert found == session
    assert extended is not None and extended.expires_at == _at(1.9)
    assert expired is None
    assert await accounts.find_session("a" * 64, _at(0.5)) is None
