"""Dashboard lock-out on SQLite and PostgreSQL: parallel sign-ins, a growing delay, one argon2 check
each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from adapters.db.admin_users import SqlAdminAccounts
from adapters.web.admin import hash_password
from adapters.web.admin.auth import Authenticator
from adapters.web.admin.passwords import verify_password
from core.oversight.accounts import AdminRole, AdminUser
from core.oversight.acts import AdminActs
from tests.db.conftest import Backend

EMAIL, PASSWORD = "ops@quiet-harbour.example", "correct horse battery staple"
WRONG = "tr0ub4dor&3 was last year"

Verify = Callable[[str, str], Awaitable[bool]]


async def _authenticator(backend: Backend, verify: Verify = verify_password) -> Authenticator:
    accounts = SqlAdminAccounts.of(backend.database)
    await accounts.add(
        AdminUser(EMAIL, AdminRole.ADMIN, hash_password(PASSWORD), backend.clock.now())
    )
    return Authenticator(
        accounts, AdminActs(uow=backend.database.unit_of_work), backend.clock, verify=verify
    )


async def _failures(backend: Backend) -> int:
    user = await SqlAdminAccounts.of(backend.database).get(EMAIL)
    assert user is not None
    return user.failed_logins


async def _audited(backend: Backend) -> list[str]:
    async with backend.database.unit_of_work() as uow:
        return [e.action for e in await uow.audit.entries(subject=EMAIL, limit=1000)]


async def test_thirty_parallel_sign_ins_with_one_right_password_open_no_session_and_count_29(
    backend: Backend,
) -> None:
    # Every attempt waits at the barrier inside its password check, so all 30 are under way at once,
    # as when an attacker sends them together; then each real argon2 check runs.
    barrier = asyncio.Barrier(30)

    async def together(password_hash: str, password: str) -> bool:
        await barrier.wait()
        return await verify_password(password_hash, password)

    authenticator = await _authenticator(backend, together)
    passwords = [WRONG] * 29 + [PASSWORD]

    tokens = await asyncio.gather(*(authenticator.sign_in(EMAIL, p) for p in passwords))

    assert tokens == [None] * 30
    assert await _failures(backend) == 29
    audited = await _audited(backend)
    assert len(audited) == 29 and "admin.signed_in" not in audited
    user = await SqlAdminAccounts.of(backend.database).get(EMAIL)
    assert user is not None and user.is_locked(
        backend.clock.now() + timedelta(minutes=14, seconds=59)
    )


async def test_the_right_password_is_checked_first_and_still_refused_while_wrong_ones_are_under_way(
    backend: Backend,
) -> None:
    # The right password's check ends before any wrong one's: the attempts still in flight count.
    wrong_may_finish = asyncio.Event()
    started = asyncio.Semaphore(0)

    async def right_first(password_hash: str, password: str) -> bool:
        started.release()
        if password != PASSWORD:
            await wrong_may_finish.wait()
        return await verify_password(password_hash, password)

    authenticator = await _authenticator(backend, right_first)
    wrong = [asyncio.create_task(authenticator.sign_in(EMAIL, WRONG)) for _ in range(29)]
    for _ in range(29):
        await started.acquire()

    right = await authenticator.sign_in(EMAIL, PASSWORD)
    wrong_may_finish.set()
    await asyncio.gather(*wrong)

    assert right is None
    assert await _failures(backend) == 29


async def test_the_delay_grows_with_each_failure_and_the_right_password_works_once_it_has_passed(
    backend: Backend,
) -> None:
    authenticator = await _authenticator(backend)
    for _ in range(5):
        assert await authenticator.sign_in(EMAIL, WRONG) is None

    backend.clock.advance(seconds=59)
    refused_at_59_seconds = await authenticator.sign_in(EMAIL, PASSWORD)
    backend.clock.advance(seconds=1)
    assert await authenticator.sign_in(EMAIL, WRONG) is None  # the sixth: two minutes this time
    backend.clock.advance(minutes=1, seconds=59)
    refused_before_two_minutes = await authenticator.sign_in(EMAIL, PASSWORD)
    backend.clock.advance(seconds=1)
    opened = await authenticator.sign_in(EMAIL, PASSWORD)

    assert (refused_at_59_seconds, refused_before_two_minutes) == (None, None)
    assert opened is not None and await _failures(backend) == 0
    audited = await _audited(backend)
    assert audited == ["admin.sign_in_failed"] * 4 + ["admin.locked"] * 2 + ["admin.signed_in"]


async def test_four_wrong_passwords_then_the_right_one_opens_a_session(backend: Backend) -> None:
    authenticator = await _authenticator(backend)
    for _ in range(4):
        await authenticator.sign_in(EMAIL, WRONG)

    assert await authenticator.sign_in(EMAIL, PASSWORD) is not None
    assert await _failures(backend) == 0


async def test_unknown_locked_and_wrong_sign_ins_each_run_exactly_one_password_check(
    backend: Backend,
) -> None:
    checked: list[str] = []

    async def counting(password_hash: str, password: str) -> bool:
        checked.append(password)
        return await verify_password(password_hash, password)

    authenticator = await _authenticator(backend, counting)
    outcomes = {}
    for kind, email, password in [
        ("unknown", "nobody@quiet-harbour.example", "unknown one"),
        ("not an email", "not an email", "garbage one"),
        *[("wrong", EMAIL, f"wrong {n}") for n in range(5)],
        ("locked, right password", EMAIL, PASSWORD),
        ("locked, wrong password", EMAIL, "wrong while locked"),
    ]:
        outcomes[kind] = await authenticator.sign_in(email, password)

    assert set(outcomes.values()) == {None}
    assert checked == [
        "unknown one", "garbage one", *[f"wrong {n}" for n in range(5)], PASSWORD, "wrong while "
                                                                                   "locked",
    ]  # fmt: skip
    assert (
        await _failures(backend) == 6
    )  # a wrong password while locked counts; the right one does not


async def test_an_attempt_cut_short_stops_counting_as_in_flight_after_a_minute(
    backend: Backend,
) -> None:
    accounts = SqlAdminAccounts.of(backend.database)
    authenticator = await _authenticator(backend)
    for _ in range(5):
        await accounts.begin_sign_in(EMAIL, backend.clock.now())  # begun, never finished (a crash)

    refused = await authenticator.sign_in(EMAIL, PASSWORD)
    backend.clock.advance(minutes=1, seconds=1)
    opened = await authenticator.sign_in(EMAIL, PASSWORD)

    assert refused is None and opened is not None


async def test_unknown_wrong_and_locked_refusals_are_answered_after_the_same_time(
    backend: Backend,
) -> None:
    paused: list[float] = []

    async def pause(seconds: float) -> None:
        paused.append(seconds)  # the answer would go out after `seconds` more

    authenticator = replace(await _authenticator(backend), refusal_floor=5.0, pause=pause)
    answered_after = []
    for email, password in [
        ("nobody@quiet-harbour.example", WRONG),
        *[(EMAIL, WRONG)] * 5,
        (EMAIL, PASSWORD),  # locked
    ]:
        began = time.monotonic()
        assert await authenticator.sign_in(email, password) is None
        answered_after.append(time.monotonic() - began + paused[-1])

    assert len(paused) == 7 and all(p > 0 for p in paused)
    assert all(abs(after - 5.0) < 0.05 for after in answered_after), answered_after


async def test_a_refusal_really_waits_for_the_floor_and_a_success_does_not(
    backend: Backend,
) -> None:
    authenticator = await _authenticator(backend)

    began = time.monotonic()
    refused = await authenticator.sign_in("nobody@quiet-harbour.example", WRONG)
    refused_after = time.monotonic() - began
    opened = await authenticator.sign_in(EMAIL, PASSWORD)

    assert refused is None and refused_after >= authenticator.refusal_floor
    assert opened is not None
