"""Peer recognition on the real database: everyone gives from a monthly allowance, which resets each
month."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.outbox import MessageKind
from core.peer import PeerPolicy
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import BudgetExceeded, NotRewardAdmin, Programme, Recipient
from tests.db.conftest import ADA, Backend
from tests.fakes import SequentialIds

LIN = ChatUser("slack", "T0HARBOUR", "U0LIN", "Lin Wei")
MIRA = ChatUser("slack", "T0HARBOUR", "U0MIRA", "Mira Patel")
THANKS = Programme("thanks", "Harbour Thanks", "USD")
BOARD = Programme("board", "Board Awards", "USD")
CHANNEL = ConversationRef("slack", '{"team": "T0HARBOUR", "user": "U0LIN", "channel": "C0GENERAL"}')


def dm(user: ChatUser) -> ConversationRef:
    return ConversationRef("slack", f'{{"user": "{user.user_id}"}}')


async def peer_desk(
    backend: Backend, *, per_recipient: int | None = None, shout_out: bool = True
) -> Recognition:
    backend.clock.current = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    recognition = Recognition(
        uow=backend.database.unit_of_work,
        clock=backend.clock,
        ids=SequentialIds(),
        configured_admins={"slack:U0HR"},
    )
    for programme in (THANKS, BOARD):
        await recognition.budgets.create_programme(replace(programme), "test")
        await recognition.budgets.credit(programme.id, Money(100_000, "USD"), "test")
    await recognition.budgets.set_peer_policy(
        PeerPolicy("thanks", 5000, per_recipient, shout_out), "test"
    )
    return recognition


def thank(
    giver: ChatUser, to: ChatUser, minor: int, key: str, programme: str = "thanks"
) -> SendRewards:
    return SendRewards(
        giver,
        (Recipient(to, dm(to)),),
        Money(minor, "USD"),
        "Covered my on-call shift",
        programme,
        key,
        dm(giver),
        shout_to=CHANNEL,
    )


async def test_anyone_may_give_from_a_peer_programme_but_not_from_others(backend: Backend) -> None:
    recognition = await peer_desk(backend)

    await recognition.givers.authorize(
        LIN
    )  # not a reward admin: a peer programme lets everyone give
    chosen = await recognition.pricing.programme_for(giver=LIN)
    sent = await recognition.sender.send(thank(LIN, ADA, 1000, "k1"))
    with pytest.raises(NotRewardAdmin):
        await recognition.sender.send(thank(LIN, ADA, 1000, "k2", programme="board"))

    assert chosen.id == "thanks" and len(sent.sent) == 1


async def test_the_fifty_first_dollar_in_a_month_is_refused_and_the_allowance_resets_next_month(
    backend: Backend,
) -> None:
    recognition = await peer_desk(backend)
    await recognition.sender.send(thank(LIN, ADA, 3000, "k1"))
    await recognition.sender.send(thank(LIN, MIRA, 2000, "k2"))  # 50 USD given: the whole allowance

    with pytest.raises(BudgetExceeded, match=r"allowance has \$0 left this month"):
        await recognition.sender.send(thank(LIN, ADA, 100, "k3"))
    backend.clock.current = datetime(
        2026, 12, 1, 0, 0, tzinfo=UTC
    )  # the next month, at midnight UTC
    again = await recognition.sender.send(thank(LIN, ADA, 5000, "k4"))
    with pytest.raises(BudgetExceeded, match="allowance"):
        await recognition.sender.send(thank(LIN, MIRA, 1, "k5"))

    assert len(again.sent) == 1
    assert [r.amount.minor for r in await recognition.rewards.rewards_for(ADA)] == [5000, 3000]


async def test_the_allowance_is_per_person(backend: Backend) -> None:
    recognition = await peer_desk(backend)
    await recognition.sender.send(thank(LIN, ADA, 5000, "k1"))

    sent = await recognition.sender.send(thank(MIRA, ADA, 5000, "k2"))

    assert len(sent.sent) == 1


async def test_one_colleague_can_be_given_at_most_the_per_recipient_limit_a_month(
    backend: Backend,
) -> None:
    recognition = await peer_desk(backend, per_recipient=2000)
    await recognition.sender.send(thank(LIN, ADA, 2000, "k1"))

    with pytest.raises(BudgetExceeded, match=r"one colleague at most \$20"):
        await recognition.sender.send(thank(LIN, ADA, 100, "k2"))
    sent = await recognition.sender.send(thank(LIN, MIRA, 2000, "k3"))

    assert len(sent.sent) == 1


async def test_nobody_may_thank_themselves(backend: Backend) -> None:
    recognition = await peer_desk(backend)

    with pytest.raises(BudgetExceeded, match="cannot reward yourself"):
        await recognition.sender.send(thank(LIN, LIN, 1000, "k1"))


@pytest.mark.parametrize("shout_out", [True, False])
async def test_a_shout_out_is_queued_in_the_channel_only_when_the_programme_says_so(
    backend: Backend, shout_out: bool
) -> None:
    recognition = await peer_desk(backend, shout_out=shout_out)

    await recognition.sender.send(thank(LIN, ADA, 1000, "k1"))

    async with backend.database.unit_of_work() as uow:
        due = await uow.outbox.claim_due(
            backend.clock.now() + timedelta(days=1), backend.clock.now(), 100
        )
    shouts = [m for m in due if m.kind is MessageKind.PEER_SHOUT_OUT]
    assert [m.conversation for m in shouts] == ([CHANNEL] if shout_out else [])
