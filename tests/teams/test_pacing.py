"""Which of the Bot Connector's limits each outgoing Teams message is paced by, and at what cost
(adapters/teams/pacing.py)."""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.pacing import TeamsPaces
from core.identity import ConversationRef
from core.pacing import Bucket

PACES = TeamsPaces(
    tenant_per_second=50, tenant_burst=50, conversation_per_second=7, conversation_burst=7
)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def teams(reference: dict[str, Any]) -> ConversationRef:
    return ConversationRef("teams", json.dumps({"tenant": TENANT, "reference": reference}))


def buckets(conversation: ConversationRef) -> list[Bucket]:
    return PACES(conversation, None)  # type: ignore[arg-type]


def test_a_message_into_an_open_chat_is_one_request_of_the_tenant_and_of_the_chat() -> None:
    chat = teams({"conversation": {"id": "a:1Xm5"}, "user": {"id": "29:1ada"}})

    assert [(b.key, b.cost) for b in buckets(chat)] == [
        (f"teams:{TENANT}", 1.0),
        (f"teams:{TENANT}:c:a:1Xm5", 1.0),
    ]


def test_a_message_that_first_opens_the_persons_chat_costs_the_tenant_two_requests() -> None:
    # a reward's recipient has no chat yet: the Connector counts the create and the send
    person = teams({"user": {"id": "29:1grace"}})

    tenant, person_bucket = buckets(person)

    assert (tenant.key, tenant.cost) == (f"teams:{TENANT}", 2.0)
    assert tenant.interval == 2 / 50 and tenant.tolerance == 48 / 50
    assert (person_bucket.key, person_bucket.cost) == (f"teams:{TENANT}:u:29:1grace", 1.0)
