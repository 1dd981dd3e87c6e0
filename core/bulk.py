"""Bulk rewards: one reward per row, each sent or refused on its own, and the report row by row.

Every channel that takes a file of rewards (Slack, Teams, and any next one) reads its rows into
`RewardRow`s, says how to find the person a row names, and renders the `BulkReport` this returns.
Each row is one atomic `Recognition.send` with the row's own request key, so a file processed twice
sends nothing twice and a refused row leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.amounts import AmountRefused, read_amount_with
from core.errors import InvalidRequest, NotFound
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.recognition import Recognition, SendRewards
from core.rewards import Recipient
from core.views import RewardSummary


@dataclass(frozen=True)
class RewardRow:
    """One row as typed: `line` as a spreadsheet counts, `who` as the row names them, and its own key."""

    line: int
    who: str
    amount: str
    reason: str
    request_key: str
    currency: str = ""
    programme: str = ""


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: sent to `who` for `amount`, or refused with `reason`.

    `repeated` rows had been sent before (the same file again): counted as sent, nothing sent twice."""

    line: int
    who: str
    amount: Money | None = None
    reason: str = ""
    repeated: bool = False
    reward: RewardSummary | None = None

    @property
    def sent(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class BulkReport:
    """Every row of one file, in order, and what each programme used has left."""

    file_name: str
    outcomes: tuple[RowOutcome, ...]
    budget_left: tuple[Money, ...] = ()

    @property
    def sent(self) -> tuple[RowOutcome, ...]:
        return tuple(o for o in self.outcomes if o.sent)

    @property
    def refused(self) -> tuple[RowOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.sent)

    @property
    def repeated(self) -> int:
        return sum(o.repeated for o in self.outcomes)

    def totals(self) -> list[Money]:
        """What was sent, per currency."""
        sums: dict[str, int] = {}
        for outcome in self.sent:
            if outcome.amount is not None:
                sums[outcome.amount.currency] = sums.get(outcome.amount.currency, 0) + outcome.amount.minor
        return [Money(minor, currency) for currency, minor in sorted(sums.items())]


HELD = "Held for approval: an approver decides, and you will be told."

# How a channel finds the person a row names: the recipient, or why they cannot be found.
FindRecipient = Callable[[RewardRow], Awaitable[Recipient | str]]


async def send_rows(
    recognition: Recognition,
    giver: ChatUser,
    file_name: str,
    rows: Sequence[RewardRow],
    find: FindRecipient,
    reply_to: ConversationRef | None = None,
) -> BulkReport:
    """Send each row as its own reward; refused rows say why. The giver is authorized once, up front."""
    await recognition.authorize(giver)
    outcomes: list[RowOutcome] = []
    used: set[str] = set()
    for row in rows:
        outcome, programme_id = await _send_row(recognition, giver, row, find, reply_to)
        outcomes.append(outcome)
        if programme_id:
            used.add(programme_id)
    left = tuple([await recognition.budget(p) for p in sorted(used)])
    return BulkReport(file_name, tuple(outcomes), left)


async def _send_row(
    recognition: Recognition, giver: ChatUser, row: RewardRow, find: FindRecipient, reply_to: ConversationRef | None
) -> tuple[RowOutcome, str]:
    recipient = await find(row)
    if isinstance(recipient, str):
        return RowOutcome(row.line, row.who, reason=recipient), ""
    try:
        programme, amount = await recognition.priced(
            read_amount_with(row.amount, row.currency), row.programme or None, giver
        )
        command = SendRewards(giver, (recipient,), amount, row.reason, programme.id, row.request_key, reply_to)
        report = await recognition.send(command)
    except (AmountRefused, InvalidRequest, NotFound) as exc:  # the core's reason, said to the person
        return RowOutcome(row.line, row.who, reason=str(exc)), ""
    if report.pending is not None:  # listed with the rows not sent, saying why: an approver decides
        return RowOutcome(row.line, row.who, amount, reason=HELD), programme.id
    sent = report.sent[0] if report.sent else None
    who = recipient.user.name or row.who
    return RowOutcome(row.line, who, amount, repeated=sent is None, reward=sent), programme.id
