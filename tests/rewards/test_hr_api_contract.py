"""The HR API keeps its own OpenAPI contract: amounts, currencies, nulls, deep JSON and a Slack
outage."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory, UserDirectory
from core.money import Money
from core.rewards import Programme
from tests.fake_slack import FakeSlack, Workspace
from tests.rewards.conftest import TEAM, Hr

REWARDS = "/api/v1/rewards"
ADA = {"email": "ada@example.com"}
GRACE_BY_ID = {"platform": "slack", "user_id": "U0GRACE", "team_id": TEAM}


def reward(amount: str, **fields: Any) -> dict[str, Any]:
    return {
        "recipients": [ADA],
        "amount": amount,
        "reason": "Five years of quiet excellence",
        **fields,
    }


async def test_2_comma_50_is_refused_with_400_saying_to_write_2_point_50_and_nothing_is_spent(
    hr: Hr,
) -> None:
    status, body, _ = await hr.call("POST", REWARDS, reward("2,50", currency="USD"))

    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400,
        "invalid_request",
        "amount",
    )
    assert "write 2.50" in body["error"]["message"]
    assert await hr.budget() == Money(100_000, "USD")
    assert await hr.rewards_of("slack:T0HARBOUR:U0ADA") == []


async def test_amounts_are_read_as_people_type_them_in_chat(hr: Hr) -> None:
    await hr.recognition.budgets.credit("kudos", Money(100_000, "USD"), "setup")
    for n, typed in enumerate(("$25", "25 USD", "USD 25", "25.00", "1,000", "25$")):
        status, body, _ = await hr.call("POST", REWARDS, reward(typed, reason=f"Thanks number {n}"))
        assert status == 201, (typed, body)

    amounts = sorted(r.amount for r in await hr.rewards_of("slack:T0HARBOUR:U0ADA"))
    assert amounts == [Money(2500, "USD")] * 5 + [Money(100_000, "USD")]


async def test_a_well_formed_amount_the_currency_cannot_hold_is_a_422_not_a_400(hr: Hr) -> None:
    status, body, _ = await hr.call("POST", REWARDS, reward("5.001", currency="USD"))

    assert (status, body["error"]["code"], body["error"]["field"]) == (
        422,
        "invalid_amount",
        "amount",
    )
    assert "2 decimals" in body["error"]["message"]


async def test_a_currency_the_named_programme_does_not_pay_in_is_reported_as_a_currency_mismatch(
    hr: Hr,
) -> None:
    by_symbol = await hr.call("POST", REWARDS, reward("€25", programme="kudos"))
    by_field = await hr.call("POST", REWARDS, reward("25", currency="EUR", programme="kudos"))

    both = await hr.call("POST", REWARDS, reward("€25", currency="USD"))

    for status, body, _ in (by_symbol, by_field):
        assert (status, body["error"]["code"], body["error"]["programme"]) == (
            422,
            "currency_mismatch",
            "kudos",
        )
        assert body["error"]["message"] == "The Harbour Kudos programme pays in USD, not EUR."
    assert (both[0], both[1]["error"]["code"], both[1]["error"]["field"]) == (
        422,
        "currency_mismatch",
        "amount",
    )
    assert await hr.budget() == Money(100_000, "USD")


async def test_a_symbol_picks_its_programme_and_is_never_dropped(hr: Hr) -> None:
    await hr.recognition.budgets.create_programme(Programme("danke", "Danke", "EUR"), "setup")
    await hr.recognition.budgets.credit("danke", Money(10_000, "EUR"), "setup")

    status, body, _ = await hr.call("POST", REWARDS, reward("€25"))
    no_programme = await hr.call("POST", REWARDS, reward("£25"))

    assert (status, body["programme"], body["rewards"][0]["currency"]) == (201, "danke", "EUR")
    assert (no_programme[0], no_programme[1]["error"]["code"]) == (422, "refused")
    assert "no reward programme in GBP" in no_programme[1]["error"]["message"]
    assert await hr.budget() == Money(100_000, "USD")


async def test_an_empty_programme_or_giver_means_the_default_and_null_is_refused(hr: Hr) -> None:
    empty = await hr.call("POST", REWARDS, reward("5", programme="", giver=""))
    null_giver = await hr.call("POST", REWARDS, reward("5", giver=None))
    null_programme = await hr.call("POST", REWARDS, reward("5", programme=None))

    assert (empty[0], empty[1]["programme"]) == (201, "kudos")
    assert (null_giver[0], null_giver[1]["error"]["field"]) == (400, "giver")
    assert (null_programme[0], null_programme[1]["error"]["field"]) == (400, "programme")


async def test_an_employee_field_that_is_not_text_is_refused_with_400(hr: Hr) -> None:
    row = {"email": "linus@example.com", "name": "Linus", "start_date": "2016-12-01", "tenant": {}}

    status, body, _ = await hr.call("POST", "/api/v1/employees", {"employees": [row]})

    assert (status, body["error"]["field"]) == (400, "employees[0].tenant")


async def test_deeply_nested_json_is_a_400_not_a_500(hr: Hr) -> None:
    for depth in (40, 900, 100_000):
        status, body, _ = await hr.call("POST", REWARDS, b"[" * depth + b"]" * depth)
        assert (status, body["error"]["code"]) == (400, "invalid_request")
        employees = await hr.call(
            "POST", "/api/v1/employees", b'{"employees":' + b"[" * depth + b"]" * depth + b"}"
        )
        assert employees[0] == 400
        in_a_field = await hr.call(
            "POST", REWARDS, b'{"programme": ' + b"[" * depth + b"]" * depth + b"}"
        )
        in_a_row = await hr.call(
            "POST",
            "/api/v1/employees",
            b'{"employees": [{"email": ' + b"[" * depth + b"]" * depth + b"}]}",
        )
        assert (in_a_field[0], in_a_row[0]) == (400, 400)


async def test_slack_down_while_looking_up_an_email_answers_503_with_retry_after(hr: Hr) -> None:
    slack = await FakeSlack((Workspace(TEAM, "xoxb-harbour"),)).start()
    try:
        client = AsyncWebClient(token="xoxb-harbour", base_url=slack.api_url)
        hr.people.add_fallback(SlackDirectory(UserDirectory(), client, TEAM))
        slack.fail_next(10, status=503, retry_after=7, method="users.list")
        status, body, headers = await hr.call(
            "POST", REWARDS, reward("5", recipients=[{"email": "new@example.com"}])
        )
    finally:
        await slack.close()
    unreachable = await hr.call(
        "POST", REWARDS, reward("5", recipients=[{"email": "new@example.com"}])
    )

    assert (status, body["error"]["code"], headers["Retry-After"]) == (503, "unavailable", "7")
    assert (unreachable[0], unreachable[1]["error"]["code"]) == (503, "unavailable")
    assert int(unreachable[2]["Retry-After"]) > 0
    assert await hr.budget() == Money(100_000, "USD")
