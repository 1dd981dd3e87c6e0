"""core.confirmations: a reward request waits under its key for its giver's Send, and is sent
once."""

from __future__ import annotations

import pytest

from core.confirmations import Confirmations, NotYourConfirmation, Sent, Taken
from tests.fakes import MemoryPendingConfirmations
from tests.unit.conftest import ADA, GRACE, World
from tests.unit.test_rewards import HR, Rewarding, rewarding  # noqa: F401 - the fixture


async def shown(sent: Sent) -> tuple[str, str]:
    text = f"sent {len(sent.report.sent)}" if sent.report else f"refused: {sent.refusal}"
    return text, text


@pytest.fixture
def confirmations(rewarding: Rewarding, world: World) -> Confirmations:
    return Confirmations(rewarding.recognition.sender, MemoryPendingConfirmations(world.clock))


async def test_the_giver_sends_what_was_confirmed_once_and_a_second_press_sees_the_first_outcome(
    rewarding: Rewarding, confirmations: Confirmations
) -> None:
    command = rewarding.send(ADA, GRACE, key="confirm-1")
    preview = await confirmations.propose(command)

    first = await confirmations.send("confirm-1", HR, shown)
    second = await confirmations.send("confirm-1", HR, shown)

    assert preview.can_send and preview.total.minor == 5000
    assert (first, second) == ("sent 2", Taken("sent 2"))
    assert len(rewarding.world.store.rewards) == 2


async def test_someone_else_cannot_send_or_cancel_it_and_it_stays_for_the_giver(
    rewarding: Rewarding, confirmations: Confirmations
) -> None:
    await confirmations.propose(rewarding.send(GRACE, key="confirm-2"))

    with pytest.raises(NotYourConfirmation):
        await confirmations.send("confirm-2", ADA, shown)
    with pytest.raises(NotYourConfirmation):
        await confirmations.cancel("confirm-2", ADA)

    assert rewarding.world.store.rewards == {}
    assert await confirmations.send("confirm-2", HR, shown) == "sent 1"


async def test_a_cancelled_or_expired_confirmation_sends_nothing(
    rewarding: Rewarding, confirmations: Confirmations, world: World
) -> None:
    await confirmations.propose(rewarding.send(GRACE, key="cancelled"))
    await confirmations.propose(rewarding.send(ADA, key="expired"))

    assert await confirmations.cancel("cancelled", HR) is True
    world.clock.advance(minutes=31)

    assert await confirmations.send("cancelled", HR, shown) is None
    assert await confirmations.send("expired", HR, shown) is None
    assert rewarding.world.store.rewards == {}


async def test_a_refusal_by_the_core_is_shown_and_kept(
    rewarding: Rewarding, confirmations: Confirmations
) -> None:
    await confirmations.propose(rewarding.send(GRACE, minor=20_000, key="too-much"))

    assert await confirmations.send("too-much", HR, shown) == (
        "refused: One reward can be at most $100. The budget has $100 left, not enough for $200."
    )
    assert await confirmations.send("too-much", HR, shown) == Taken(
        "refused: One reward can be at most $100. The budget has $100 left, not enough for $200."
    )
