"""Peer recognition in Slack: a colleague who is no reward admin thanks another from their monthly
allowance."""

from __future__ import annotations

from datetime import UTC, datetime

from core.peer import PeerPolicy
from tests.slack.conftest import ADA, GENERAL, GRACE, KUDOS, LIN, SlackWorld, clicked
from tests.slack.test_requests import section_texts


async def thank(slack: SlackWorld, text: str, name: str) -> dict[str, object]:
    """Lin types `/reward …` in #general, then presses Send; what Send showed."""
    await slack.reward(text, user=LIN, channel=GENERAL, response_url=name)
    confirmation = await slack.wait_for_response(name)
    if "blocks" not in confirmation or "vb_reward_send" not in str(confirmation["blocks"]):
        return confirmation
    await slack.action(
        clicked(confirmation["blocks"], "vb_reward_send"), user=LIN, response_url=f"{name}-send"
    )
    return await slack.wait_for_response(f"{name}-send")


async def test_a_colleague_thanks_another_and_the_channel_sees_who_and_why_but_no_amount(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    assert slack.recognition is not None
    await slack.recognition.budgets.set_peer_policy(
        PeerPolicy(KUDOS, 5000, shout_out=True), "setup"
    )

    shown = await thank(slack, f"<@{ADA}|ada> 30 USD Covered my on-call shift", "first")
    await slack.relay.run_once()

    assert "Sent 1 reward of $30" in section_texts(shown["blocks"])  # type: ignore[arg-type]
    [shout] = [m for m in slack.fake.messages_in(GENERAL) if "thanked" in m.text]
    assert shout.text == "Lin Yutang thanked Ada Lovelace"
    assert "Covered my on-call shift" in section_texts(shout.blocks) and "$" not in section_texts(
        shout.blocks
    )


async def test_the_fifty_first_dollar_is_refused_and_the_allowance_resets_next_month(
    reward_slack: SlackWorld,
) -> None:
    slack = reward_slack
    assert slack.recognition is not None
    await slack.recognition.budgets.set_peer_policy(PeerPolicy(KUDOS, 5000), "setup")
    slack.clock.current = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await thank(slack, f"<@{ADA}|ada> 50 USD Covered my on-call shift", "fifty")

    refused = await thank(slack, f"<@{GRACE}|grace> 1 USD Thanks for the review", "fifty-first")
    slack.clock.current = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    next_month = await thank(slack, f"<@{GRACE}|grace> 1 USD Thanks for the review", "next-month")

    assert "allowance has $0 left this month" in str(refused)
    assert "Sent 1 reward of $1" in section_texts(next_month["blocks"])  # type: ignore[arg-type]
    assert sorted(r.amount.minor for r in slack.store.rewards.values()) == [100, 5000]
