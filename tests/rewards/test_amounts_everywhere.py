"""One table of typed amounts through the Slack `/reward` parser, the Teams `reward` parser and the
HR API: the same text gives the same money, or the same refusal, everywhere."""

from __future__ import annotations

import pytest

from adapters.slack.reward_text import InvalidReward, parse_reward
from adapters.teams.reward_translate import terms_of
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import AmountRefused, TypedAmount, read_amount, take_amount
from core.errors import InvalidRequest
from core.money import Money
from core.rewards import Programme
from tests.rewards.conftest import Hr

REFUSED = "refused"
TABLE: list[tuple[str, Money | str]] = [
    ("25", Money(2500, "USD")),  # no currency named: the default programme (the first by id, kudos)
    ("25.50", Money(2550, "USD")),
    ("$25", Money(2500, "USD")),
    ("€25", Money(2500, "EUR")),  # the symbol picks the currency (Teams used to send 25 USD)
    ("25€", Money(2500, "EUR")),
    ("25 EUR", Money(2500, "EUR")),
    ("EUR 25", Money(2500, "EUR")),
    ("₹1,000", Money(100_000, "INR")),
    ("1,000", Money(100_000, "USD")),
    ("12,345.50", Money(1_234_550, "USD")),
    ("2,50", "'2,50' is ambiguous: write 2.50 (a comma only separates thousands)."),
    ("€2,50", "'2,50' is ambiguous: write 2.50 (a comma only separates thousands)."),
    ("1,00,000", "'1,00,000' is not an amount: a comma only separates thousands, as in 1,000.50."),
    ("1.000,50", "'1.000,50' is not an amount: a comma only separates thousands, as in 1,000.50."),
    ("25.001", "USD amounts have 2 decimals at most."),
    ("$25 EUR", "'$25 EUR' names two currencies (USD and EUR); name one."),
    ("£25", "There is no reward programme in GBP yet. An admin can create one in the dashboard."),
]
REASON = "Thanks for the launch"


@pytest.fixture
async def three_currencies(hr: Hr) -> Hr:
    for programme in (Programme("merci", "Merci", "EUR"), Programme("shukriya", "Shukriya", "INR")):
        await hr.recognition.budgets.create_programme(programme, "setup")
        await hr.recognition.budgets.credit(programme.id, programme.money(10_000_000), "setup")
    await hr.recognition.budgets.credit("kudos", Money(10_000_000, "USD"), "setup")
    return hr


async def through_slack(hr: Hr, typed: str) -> Money | str:
    currencies = {p.currency for p in await hr.recognition.budgets.programmes()}
    try:
        parsed = parse_reward(f"<@U0ADA|ada> {typed} {REASON}", currencies)
        assert parsed.reason == REASON
        return (await hr.recognition.pricing.priced(TypedAmount(parsed.amount, parsed.currency)))[1]
    except (InvalidReward, AmountRefused, InvalidRequest) as exc:
        return str(exc)


async def through_teams(hr: Hr, typed: str) -> Money | str:
    currencies = {p.currency for p in await hr.recognition.budgets.programmes()}
    try:
        terms = terms_of(tuple(f"{typed} {REASON}".split()), currencies)
        assert terms.reason == REASON
        return (await hr.recognition.pricing.priced(TypedAmount(terms.amount, terms.currency)))[1]
    except (UnreadableCommand, AmountRefused, InvalidRequest) as exc:
        return str(exc)


async def through_the_hr_api(hr: Hr, typed: str) -> Money | str:
    body = {"recipients": [{"email": "ada@example.com"}], "amount": typed, "reason": REASON}
    status, answer, _ = await hr.call("POST", "/api/v1/rewards", body)
    if status == 201:
        sent = answer["rewards"][0]
        return Money.parse(sent["amount"], sent["currency"])
    assert status in (400, 422), answer
    return str(answer["error"]["message"]).removeprefix("amount: ")


@pytest.mark.parametrize(("typed", "expected"), TABLE)
async def test_the_same_text_gives_the_same_money_or_refusal_in_slack_teams_and_the_hr_api(
    three_currencies: Hr, typed: str, expected: Money | str
) -> None:
    hr = three_currencies

    slack = await through_slack(hr, typed)
    teams = await through_teams(hr, typed)
    api = await through_the_hr_api(hr, typed)

    assert slack == teams == api == expected


@pytest.mark.parametrize(
    ("text", "amount", "rest"),
    [
        ("25 for the launch", TypedAmount("25"), "for the launch"),
        ("25 eur danke", TypedAmount("25", "EUR"), "danke"),  # a lowercase code a programme pays in
        ("25 abc danke", TypedAmount("25"), "abc danke"),  # a lowercase word no programme knows
        ("JPY 1,000 arigatou", TypedAmount("1000", "JPY"), "arigatou"),
        ("lots of thanks", None, "lots of thanks"),
    ],
)
def test_the_amount_at_the_start_of_a_command_and_what_follows(
    text: str, amount: TypedAmount | None, rest: str
) -> None:
    assert take_amount(text, {"EUR"}) == (amount, rest)


@pytest.mark.parametrize("text", ["", "twenty", "25 dollars", "€ 25", "25 USD EUR"])
def test_a_field_that_is_not_only_an_amount_is_refused(text: str) -> None:
    with pytest.raises(AmountRefused):
        read_amount(text)
