"""Budgets under the HR API: concurrent sends never overspend, and expiry gives the reserve back."""

from __future__ import annotations

import asyncio

from core.money import Money
from core.rewards import RewardStatus
from tests.rewards.conftest import KUDOS, TEAM, Hr


async def test_fifty_concurrent_sends_against_a_budget_for_twenty_send_exactly_twenty(
    hr: Hr,
) -> None:
    # The fixture credited 1,000 USD: at 50 USD a reward, twenty fit.
    bodies = [
        {
            "recipients": [{"platform": "slack", "user_id": f"U0PEER{n:02d}", "team_id": TEAM}],
            "amount": "50.00",
            "currency": "USD",
            "reason": f"Launch crew #{n}",
            "programme": KUDOS.id,
        }
        for n in range(50)
    ]
    answers = await asyncio.gather(*(hr.call("POST", "/api/v1/rewards", body) for body in bodies))

    statuses = [status for status, _, _ in answers]
    assert statuses.count(201) == 20
    assert statuses.count(422) == 30
    assert all(
        body["error"]["code"] == "budget_exceeded" for status, body, _ in answers if status == 422
    )
    async with hr.backend.database.unit_of_work() as uow:
        budget = await uow.ledger.budget(KUDOS.id)
        entries = await uow.ledger.entries(KUDOS.id)
    assert (budget.credited, budget.reserved, budget.available) == (100_000, 100_000, 0)
    effect = {
        "credit": 1,
        "reserve": -1,
        "release": 1,
    }  # on what is available (debits spend the reserve)
    available = 0
    for entry in entries:  # never below zero at any point of the ledger, not only at the end
        available += effect.get(entry.kind, 0) * entry.minor
        assert available >= 0


async def test_expiry_releases_the_reserved_amount_of_an_api_reward(hr: Hr) -> None:
    status, body, _ = await hr.call(
        "POST",
        "/api/v1/rewards",
        {
            "recipients": [{"email": "ada@example.com"}],
            "amount": "80.00",
            "reason": "Thanks for the migration",
        },
    )
    assert status == 201 and await hr.budget() == Money(92_000, "USD")

    hr.backend.clock.advance(days=KUDOS.expiry_days, seconds=1)
    await hr.recognition.rewards.expire_due()

    (expired,) = await hr.rewards_of("slack:T0HARBOUR:U0ADA")
    assert expired.id == body["rewards"][0]["id"] and expired.status is RewardStatus.EXPIRED
    assert await hr.budget() == Money(100_000, "USD")
    async with hr.backend.database.unit_of_work() as uow:
        budget = await uow.ledger.budget(KUDOS.id)
    assert (budget.reserved, budget.spent) == (0, 0)
