"""Bulk rewards: one reward per row, each sent or refused on its own, and the report row by row.

Every channel that takes a file of rewards (Slack, Teams, and any next one) reads its rows into
`RewardRow`s, says how to find the person a row names, and renders the `BulkReport` this returns.
Each row is one atomic `RewardSender.send` with the row's own request key, so a file processed twice
sends nothing twice and a refused row leaves nothing behind. A programme that holds sends to more
than N people holds the file's rows in it as ONE approval (core.approvals), sent row by row once
approved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from core.amounts import AmountRefused, read_amount_with
from core.errors import InvalidRequest, NotFound
from core.file_sends import FileSends
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.pricing import Pricing
from core.recognition import Recognition
from core.refusals import Reason, reason_of
from core.reward_sender import RewardSender
from core.reward_sends import FileHold, SendRewards
from core.rewards import Recipient
from core.views import RewardSummary


@dataclass(frozen=True)
class RewardRow:
    """One row as typed: `line` as a spreadsheet counts, `who` as the row names them, and its own
    key."""

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

    `repeated` rows had been sent before (the same file again): counted as sent, nothing sent
    twice."""

    line: int
    who: str
    amount: Money | None = None
    reason: str = ""
    repeated: bool = False
    reward: RewardSummary | None = None
    # The core's refusal itself, for a channel to word in the reader's language (`reason` is
    # English).
    error: Exception | None = field(default=None, compare=False)

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
                sums[outcome.amount.currency] = (
                    sums.get(outcome.amount.currency, 0) + outcome.amount.minor
                )
        return [Money(minor, currency) for currency, minor in sorted(sums.items())]


HELD = Reason("held")
MAX_SUMMARY = 300

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
    """Send each row as its own reward; refused rows say why. The giver is authorized once, up
    front.

    Rows of a programme that holds sends to more people than the file names wait as ONE approval."""
    await recognition.givers.authorize(giver)
    prepared = [await _prepare(recognition.pricing, giver, row, find, reply_to) for row in rows]
    held = await _hold_files(
        recognition.files, giver, file_name, list(zip(rows, prepared, strict=True)), reply_to
    )
    outcomes: list[RowOutcome] = []
    used: set[str] = set()
    for row, command in zip(rows, prepared, strict=True):
        if isinstance(command, RowOutcome):
            outcome = command
        else:
            outcome = held.get(command.request_key) or await _send(recognition.sender, row, command)
            used.add(command.programme_id)
        outcomes.append(outcome)
    left = tuple([await recognition.budgets.budget(p) for p in sorted(used)])
    return BulkReport(file_name, tuple(outcomes), left)


async def _prepare(
    pricing: Pricing,
    giver: ChatUser,
    row: RewardRow,
    find: FindRecipient,
    reply_to: ConversationRef | None,
) -> SendRewards | RowOutcome:
    """The row's own send, or its refusal: nobody found, or an amount or programme the core
    refuses."""
    recipient = await find(row)
    if isinstance(recipient, str):
        return RowOutcome(row.line, row.who, reason=recipient)
    try:
        programme, amount = await pricing.priced(
            read_amount_with(row.amount, row.currency), row.programme or None, giver
        )
    except (
        AmountRefused,
        InvalidRequest,
        NotFound,
    ) as exc:  # the core's reason, said to the person
        return RowOutcome(row.line, row.who, reason=reason_of(exc), error=exc)
    return SendRewards(
        giver, (recipient,), amount, row.reason, programme.id, row.request_key, reply_to
    )


async def _hold_files(
    files: FileSends,
    giver: ChatUser,
    file_name: str,
    prepared: Sequence[tuple[RewardRow, SendRewards | RowOutcome]],
    reply_to: ConversationRef | None,
) -> dict[str, RowOutcome]:
    """Each programme's rows, held whole when its policy says so: the outcome of every held row by
    key."""
    by_programme: dict[str, list[tuple[RewardRow, SendRewards]]] = {}
    for row, command in prepared:
        if isinstance(command, SendRewards):
            by_programme.setdefault(command.programme_id, []).append((row, command))
    outcomes: dict[str, RowOutcome] = {}
    for programme_id, group in by_programme.items():
        commands = tuple(command for _, command in group)
        summary = _summary(giver, file_name, programme_id, commands, reply_to)
        try:
            hold = await files.hold_file(summary, commands)
        except InvalidRequest as exc:  # e.g. the file's total is more than the budget has
            hold = FileHold("-", {}, reason_of(exc))
        if hold.approval_id:
            for row, command in group:
                why = hold.closed or hold.refused.get(command.request_key) or HELD
                outcomes[command.request_key] = RowOutcome(
                    row.line, row.who, command.amount, reason=why
                )
    return outcomes


def _summary(
    giver: ChatUser,
    file_name: str,
    programme_id: str,
    commands: tuple[SendRewards, ...],
    reply_to: ConversationRef | None,
) -> SendRewards:
    """The file as one request: everyone its rows name, its reasons, and a key its rows' keys
    make."""
    people = tuple(r for command in commands for r in command.recipients)
    reasons = "; ".join(dict.fromkeys(command.reason.strip() for command in commands))
    reason = f"{file_name} ({len(commands)} rows): {reasons}"
    if len(reason) > MAX_SUMMARY:
        reason = reason[: MAX_SUMMARY - 1] + "…"
    digest = hashlib.sha256("\n".join(c.request_key for c in commands).encode()).hexdigest()[:32]
    return SendRewards(
        giver, people, commands[0].amount, reason, programme_id, f"file:{digest}", reply_to
    )


async def _send(sender: RewardSender, row: RewardRow, command: SendRewards) -> RowOutcome:
    try:
        report = await sender.send(command)
    except (
        AmountRefused,
        InvalidRequest,
        NotFound,
    ) as exc:  # the core's reason, said to the person
        return RowOutcome(row.line, row.who, reason=reason_of(exc), error=exc)
    if report.pending is not None:  # listed with the rows not sent, saying why: an approver decides
        return RowOutcome(row.line, row.who, command.amount, reason=HELD)
    sent = report.sent[0] if report.sent else None
    who = command.recipients[0].user.name or row.who
    return RowOutcome(row.line, who, command.amount, repeated=sent is None, reward=sent)
