"""The HR API end to end on a real database: keys, Idempotency-Key, recipients, errors and its
OpenAPI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from core.approval_requests import ApprovalPolicy
from core.money import Money
from tests.rewards.conftest import KUDOS, TEAM, Hr

REWARDS = "/api/v1/rewards"


def reward(
    *recipients: dict[str, str],
    amount: str = "50.00",
    reason: str = "Five years of quiet excellence",
) -> dict[str, Any]:
    return {
        "recipients": list(recipients),
        "amount": amount,
        "currency": "USD",
        "reason": reason,
        "programme": "kudos",
        "giver": "Workday",
    }


ADA = {"email": "ada@example.com"}
GRACE_BY_ID = {"platform": "slack", "user_id": "U0GRACE", "team_id": TEAM}


async def test_a_request_without_a_key_with_an_unknown_one_or_a_revoked_one_is_refused(
    hr: Hr,
) -> None:
    missing = await hr.call("POST", REWARDS, reward(ADA), key=None)
    unknown = await hr.call("POST", REWARDS, reward(ADA), key="vbk_not-a-key-anyone-was-given")
    await hr.api_keys.revoke("workday", "cli:operator")
    revoked = await hr.call("POST", REWARDS, reward(ADA))
    preview = await hr.call("GET", "/api/v1/milestones")

    assert [r[0] for r in (missing, unknown, revoked, preview)] == [401, 401, 401, 401]
    assert missing[1]["error"]["code"] == "unauthenticated"
    assert revoked[1]["error"]["code"] == "invalid_api_key"
    assert missing[2]["WWW-Authenticate"].startswith("Bearer")
    assert await hr.rewards_of("slack:T0HARBOUR:U0ADA") == []
    assert await hr.budget() == Money(100_000, "USD")


async def test_people_named_by_email_and_by_slack_user_id_each_get_the_reward_from_the_api_giver(
    hr: Hr,
) -> None:
    status, body, _ = await hr.call("POST", REWARDS, reward(ADA, GRACE_BY_ID))

    assert status == 201
    assert [(r["recipient"]["user_id"], r["amount"], r["status"]) for r in body["rewards"]] == [
        ("U0ADA", "50.00", "sent"),
        ("U0GRACE", "50.00", "sent"),
    ]
    assert body["budget_left"] == {"amount": "900.00", "currency": "USD"}
    (ada,) = await hr.rewards_of("slack:T0HARBOUR:U0ADA")
    (grace,) = await hr.rewards_of("slack:T0HARBOUR:U0GRACE")
    assert (ada.giver.platform, ada.giver.user_id, ada.giver.name) == ("api", "workday", "Workday")
    assert (ada.recipient.name, grace.recipient.name) == ("Ada Lovelace", "Grace Hopper")
    assert json.loads(ada.conversation.address) == {"team": TEAM, "user": "U0ADA"}
    async with hr.backend.database.unit_of_work() as uow:
        audit = await uow.audit.entries()
    sent = [e for e in audit if e.action == "reward.sent"]
    assert {e.actor for e in sent} == {"api:workday"} and len(sent) == 2
    assert any(e.action == "api_key.created" and e.actor == "cli:operator" for e in audit)


async def test_a_send_the_programme_holds_for_approval_is_answered_202_pending_approval(
    hr: Hr,
) -> None:
    async with hr.backend.database.unit_of_work() as uow:
        await uow.approval_policies.put(ApprovalPolicy(KUDOS.id, ("slack:U0BOSS",), above=4000))
        await uow.commit()

    status, body, _ = await hr.call("POST", REWARDS, reward(ADA, GRACE_BY_ID))

    assert status == 202
    assert (body["state"], body["code"], body["approval"]["status"]) == (
        "pending_approval",
        "approval_required",
        "pending",
    )
    assert body["total"] == {"amount": "100.00", "currency": "USD"}
    assert body["budget_left"] == {"amount": "900.00", "currency": "USD"}  # reserved while pending
    assert await hr.rewards_of("slack:T0HARBOUR:U0ADA") == []


async def test_replaying_an_idempotency_key_returns_the_first_answer_and_sends_once(hr: Hr) -> None:
    headers = {"Idempotency-Key": "workday-award-7731"}
    first = await hr.call("POST", REWARDS, reward(ADA), headers=headers)
    # The same JSON spaced and ordered differently is the same request.
    respaced = json.dumps(dict(reversed(list(reward(ADA).items()))), indent=4).encode()
    again = await hr.call("POST", REWARDS, respaced, headers=headers)

    assert first[0] == again[0] == 201
    assert again[1] == first[1]
    assert again[2].get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first[2]
    assert len(await hr.rewards_of("slack:T0HARBOUR:U0ADA")) == 1
    assert await hr.budget() == Money(95_000, "USD")


async def test_the_same_idempotency_key_with_a_different_body_is_refused_with_409(hr: Hr) -> None:
    headers = {"Idempotency-Key": "workday-award-7732"}
    await hr.call("POST", REWARDS, reward(ADA), headers=headers)
    status, body, _ = await hr.call("POST", REWARDS, reward(ADA, amount="75.00"), headers=headers)

    assert (status, body["error"]["code"]) == (409, "idempotency_key_reused")
    assert [r.amount for r in await hr.rewards_of("slack:T0HARBOUR:U0ADA")] == [Money(5000, "USD")]


async def test_racing_requests_with_one_idempotency_key_send_once(hr: Hr) -> None:
    headers = {"Idempotency-Key": "workday-award-race"}
    answers = await asyncio.gather(
        *(hr.call("POST", REWARDS, reward(ADA), headers=headers) for _ in range(5))
    )

    statuses = sorted(a[0] for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert all(a[1]["error"]["code"] == "request_in_progress" for a in answers if a[0] == 409)
    assert len(await hr.rewards_of("slack:T0HARBOUR:U0ADA")) == 1


async def test_an_unknown_email_is_refused_with_422_naming_it_and_nobody_is_sent_anything(
    hr: Hr,
) -> None:
    status, body, _ = await hr.call("POST", REWARDS, reward(ADA, {"email": "nobody@example.com"}))

    assert status == 422
    assert body["error"]["code"] == "unknown_recipients"
    assert body["error"]["recipients"] == ["nobody@example.com"]
    assert "nobody@example.com" in body["error"]["message"]
    assert await hr.rewards_of("slack:T0HARBOUR:U0ADA") == []


async def test_a_teams_user_id_the_bot_cannot_address_is_refused_and_a_person_named_twice_too(
    hr: Hr,
) -> None:
    teams = {
        "platform": "teams",
        "user_id": "8f1c0d2e-aaaa-bbbb-cccc-1234567890ab",
        "tenant_id": "contoso",
    }
    unreachable = await hr.call("POST", REWARDS, reward(teams))
    twice = await hr.call(
        "POST", REWARDS, reward(ADA, {"platform": "slack", "user_id": "U0ADA", "team_id": TEAM})
    )

    assert (unreachable[0], unreachable[1]["error"]["code"]) == (422, "unknown_recipients")
    assert (twice[0], twice[1]["error"]["code"]) == (422, "duplicate_recipients")
    assert await hr.budget() == Money(100_000, "USD")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", ""),
        ([1, 2], "body"),
        ({"recipients": [], "amount": "5", "reason": "x"}, "recipients"),
        (
            {"recipients": [{"email": "ada@example.com"}], "amount": 50, "reason": "Thanks"},
            "amount",
        ),
        (
            {"recipients": [{"email": "ada@example.com"}], "amount": "2,50", "reason": "Thanks"},
            "amount",
        ),
        (
            {
                "recipients": [{"email": "ada@example.com"}],
                "amount": "5",
                "currency": "",
                "reason": "x",
            },
            "currency",
        ),
        (
            {
                "recipients": [{"email": "ada@example.com"}],
                "amount": "5",
                "giver": None,
                "reason": "x",
            },
            "giver",
        ),
        (
            {
                "recipients": [{"email": "ada@example.com", "platform": "slack"}],
                "amount": "5",
                "reason": "x",
            },
            "recipients[0]",
        ),
        (
            {
                "recipients": [{"platform": "irc", "user_id": "ada"}],
                "amount": "5",
                "reason": "Thanks",
            },
            "recipients[0]",
        ),
        ({"recipients": [{"email": "ada@example.com"}], "amount": "5", "reason": "  "}, "reason"),
    ],
)
async def test_a_body_without_the_documented_shape_is_refused_with_400_naming_the_field(
    hr: Hr, body: Any, field: str
) -> None:
    status, answer, _ = await hr.call("POST", REWARDS, body)

    assert (status, answer["error"]["code"], answer["error"]["field"]) == (
        400,
        "invalid_request",
        field,
    )
    assert await hr.budget() == Money(100_000, "USD")


async def test_unknown_programmes_budgets_too_small_big_bodies_and_wrong_media_types_are_refused(
    hr: Hr,
) -> None:
    unknown = await hr.call("POST", REWARDS, {**reward(ADA), "programme": "moonshot"})
    too_much = await hr.call("POST", REWARDS, reward(ADA, GRACE_BY_ID, amount="600.00"))
    huge = await hr.call("POST", REWARDS, b"{" + b" " * (300 * 1024) + b"}")
    form = await hr.call(
        "POST", REWARDS, b"amount=5", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert (unknown[0], unknown[1]["error"]["code"]) == (404, "not_found")
    assert (too_much[0], too_much[1]["error"]["code"]) == (422, "budget_exceeded")
    assert too_much[1]["error"]["message"] == "The budget has $1000 left, not enough for $1200."
    assert (huge[0], huge[1]["error"]["code"]) == (413, "body_too_large")
    assert (form[0], form[1]["error"]["code"]) == (415, "unsupported_media_type")
    assert await hr.budget() == Money(100_000, "USD")


async def test_after_a_refusal_the_same_idempotency_key_may_be_used_again(hr: Hr) -> None:
    headers = {"Idempotency-Key": "workday-award-after-credit"}
    refused = await hr.call("POST", REWARDS, reward(ADA, amount="1500.00"), headers=headers)
    await hr.recognition.budgets.credit("kudos", Money(100_000, "USD"), "cli:operator")
    sent = await hr.call("POST", REWARDS, reward(ADA, amount="1500.00"), headers=headers)

    assert (refused[0], sent[0]) == (422, 201)
    assert await hr.budget() == Money(50_000, "USD")


async def test_employees_posted_to_the_api_are_imported_with_bad_rows_reported(hr: Hr) -> None:
    employees = {
        "employees": [
            {
                "email": "Linus@Example.com",
                "name": "Linus",
                "start_date": "2016-12-01",
                "platform": "slack",
                "user_id": "U0LINUS",
                "tenant": TEAM,
            },
            {"email": "broken", "name": "Nobody", "start_date": "2020-01-01"},
            {"email": "edsger@example.com", "name": "Edsger", "start_date": "01/02/2020"},
        ]
    }
    status, body, _ = await hr.call("POST", "/api/v1/employees", employees)
    preview = await hr.call(
        "GET", "/api/v1/milestones?days=6"
    )  # from 2026-11-26, the fixture clock
    refused_days = await hr.call("GET", "/api/v1/milestones?days=400")

    assert status == 200
    assert body["imported"] == 1
    assert [r["row"] for r in body["refused"]] == [2, 3]
    assert "YYYY-MM-DD" in body["refused"][1]["reason"]
    assert [(m["date"], m["email"], m["years"]) for m in preview[1]["milestones"]] == [
        ("2026-11-26", "ada@example.com", 5),
        ("2026-12-01", "linus@example.com", 10),
    ]
    assert preview[1]["milestones"][0]["reward"] is None  # no milestone rule yet
    assert refused_days[0] == 400


def _openapi_validator() -> Any:
    """The official OpenAPI 3.1 schema (bundled by openapi-spec-validator when installed), else
    None."""
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return None
    return validate


async def test_the_openapi_document_is_valid_openapi_3_1_and_describes_every_route(hr: Hr) -> None:
    status, document, headers = await hr.call("GET", "/api/v1/openapi.json", key=None)

    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert document["openapi"] == "3.1.0"
    validate = _openapi_validator()
    if validate is not None:
        validate(document)
    # Structural checks that hold with or without the validator: every $ref resolves, every route
    # and every status the API answers is described, and the examples match their schemas.
    for ref in _refs(document):
        _resolve(document, ref)
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/rewards",
        "/api/v1/employees",
        "/api/v1/milestones",
        "/api/v1/openapi.json",
    }
    assert set(paths["/api/v1/rewards"]["post"]["responses"]) >= {
        "201",
        "400",
        "401",
        "404",
        "409",
        "413",
        "422",
    }
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    schemas = document["components"]["schemas"]
    for name, example in (
        ("RewardRequest", paths["/api/v1/rewards"]["post"]["requestBody"]),
        ("EmployeeImport", paths["/api/v1/employees"]["post"]["requestBody"]),
    ):
        _validate(document, schemas[name], example["content"]["application/json"]["example"])


async def test_a_real_answer_matches_the_schema_the_openapi_document_gives_for_it(hr: Hr) -> None:
    document = json.loads(
        (Path(__file__).parents[2] / "adapters" / "web" / "hr_openapi.json").read_text()
    )
    sent = await hr.call("POST", REWARDS, reward(ADA, GRACE_BY_ID))
    refused = await hr.call("POST", REWARDS, reward({"email": "nobody@example.com"}))
    preview = await hr.call("GET", "/api/v1/milestones?days=30")

    schemas = document["components"]["schemas"]
    _validate(document, schemas["RewardsSent"], sent[1])
    _validate(document, schemas["Error"], refused[1])
    _validate(document, schemas["MilestonePreview"], preview[1])


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    resolver_schema = {**schema, "components": document["components"]}
    jsonschema.Draft202012Validator(resolver_schema).validate(instance)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node
