"""Approval and shout-out cards (Teams) and messages (Slack) are valid and say who, whom, how much
and why."""

from __future__ import annotations

import json

import pytest

from adapters.i18n import localizer
from adapters.slack.approval_blocks import (
    approval_decided_message,
    approval_outcome_message,
    approval_request_message,
    pending_message,
    shout_out_message,
)
from adapters.teams.approval_cards import (
    approval_decided_card,
    approval_outcome_card,
    approval_request_card,
    pending_card,
    shout_out_card,
)
from core.money import Money
from core.views import ApprovalView, ShoutOut
from tests.fake_connector import card_problems
from tests.fake_slack import message_problems
from tests.teams.conftest import card_text

PENDING = ApprovalView(
    approval_id="apr_000001",
    giver_name="Hana from HR",
    recipients=("Ada Lovelace", "Grace Hopper"),
    amount=Money(7500, "USD"),
    total=Money(15000, "USD"),
    reason="Shipped the harbour map",
    programme_name="Harbour Kudos",
    budget_after=Money(85000, "USD"),
    status="pending",
    expires_at="2026-12-08T09:00:00+00:00",
)
REJECTED = ApprovalView(
    **{**PENDING.__dict__, "status": "rejected", "decided_by": "slack:U0BOSS", "note": "Too much"}
)
SHOUT = ShoutOut("Lin Wei", "Ada Lovelace", "Covered my on-call shift")


@pytest.mark.parametrize(
    "card",
    [
        approval_request_card(PENDING),
        approval_outcome_card(REJECTED),
        approval_decided_card(REJECTED),
        pending_card(PENDING),
        shout_out_card(SHOUT),
    ],
)
def test_each_teams_card_is_a_valid_adaptive_card(card: dict[str, object]) -> None:
    assert card_problems(card) == []


@pytest.mark.parametrize(
    "message",
    [
        approval_request_message(PENDING),
        approval_outcome_message(REJECTED),
        approval_decided_message(REJECTED),
        pending_message(PENDING),
        shout_out_message(SHOUT),
    ],
)
def test_each_slack_message_is_one_slack_accepts(message: object) -> None:
    assert message_problems({"text": message.text, "blocks": message.blocks}) == []  # type: ignore[attr-defined]


def test_the_approver_sees_who_whom_how_much_why_and_the_budget_after() -> None:
    text = card_text(approval_request_card(PENDING))
    slack = str(approval_request_message(PENDING).blocks)

    for shown in (text, slack):
        assert "Hana from HR" in shown and "Ada Lovelace, Grace Hopper" in shown
        assert "Shipped the harbour map" in shown and "Harbour Kudos" in shown
        assert "$75" in shown and "$150" in shown and "$850" in shown  # Babel, as everywhere


def test_approval_and_shout_out_texts_are_said_in_the_readers_language() -> None:
    german = localizer("de-DE")
    card = card_text(approval_request_card(PENDING, german))
    slack = json.dumps(approval_request_message(PENDING, german).blocks, ensure_ascii=False)

    for shown in (card, slack):
        assert "Eine Prämie braucht Ihre Genehmigung" in shown
        assert "150\xa0US$" in shown and "08.12.2026, 09:00" in shown
    assert "Lin Wei hat Ada Lovelace gedankt" in card_text(shout_out_card(SHOUT, german))
    assert "hat *Ada Lovelace* gedankt" in str(shout_out_message(SHOUT, german).blocks)
    told = approval_decided_message(REJECTED, localizer("fr-FR")).text
    assert told == "Vos récompenses pour Ada Lovelace, Grace Hopper ont été refusées : Too much"


def test_a_shout_out_names_who_thanked_whom_and_why_but_no_amount() -> None:
    for shown in (card_text(shout_out_card(SHOUT)), str(shout_out_message(SHOUT).blocks)):
        assert (
            "Lin Wei" in shown and "Ada Lovelace" in shown and "Covered my on-call shift" in shown
        )
        assert "$" not in shown and "USD" not in shown
