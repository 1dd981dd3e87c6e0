"""Rewards from a CSV file sent to the bot in Teams: the file read row by row, the core sends, and
the report card."""

from __future__ import annotations

import hashlib
import logging
from ssl import SSLContext

from botbuilder.core import TurnContext

from adapters.i18n import localizer, words
from adapters.i18n.phrases import Phrase
from adapters.teams.address import TeamsAddress
from adapters.teams.answer import Answer
from adapters.teams.bulk import BadRow, BulkReport, Row, SharedFile, download, read_rows
from adapters.teams.people import EmailDirectory, recipient_of
from adapters.teams.reward_cards import bulk_hint_card, bulk_report_card
from adapters.teams.reward_translate import Person
from adapters.teams.rewards import RewardAccess
from adapters.teams.unreadable import UnreadableCommand
from core.bulk import BulkReport as CoreReport
from core.bulk import RewardRow, send_rows
from core.rewards import Recipient

log = logging.getLogger(__name__)


class BulkRewards:
    """One reward per row for the giver who sent the file; no rules of its own."""

    def __init__(
        self, access: RewardAccess, directory: EmailDirectory, ssl: SSLContext | None = None
    ) -> None:
        self._access = access
        self._directory = directory
        self._ssl = ssl

    async def send(self, turn_context: TurnContext, file: SharedFile) -> Answer:
        activity = turn_context.activity
        giver = await self._access.giver(activity)
        loc = localizer(activity.locale)
        if not file.is_csv:
            note = loc._("{file} is not a CSV file.", file=file.name)
            return Answer(bulk_hint_card(note, loc), replaces=False)
        try:
            rows, bad = read_rows(await download(file, self._ssl))
        except UnreadableCommand as exc:
            return Answer(bulk_hint_card(words.error_text(exc, loc), loc), replaces=False)
        by_number = {row.number: row for row in rows}

        async def find(wanted: RewardRow) -> Recipient | str:
            row = by_number[wanted.line]
            person = (
                Person("", row.user_id, row.name)
                if row.user_id
                else await self._directory.person(row.email, row.name)
            )
            # The core keeps a row's reason as text: said in the giver's language here.
            return (
                person.said(loc) if isinstance(person, Phrase) else recipient_of(activity, person)
            )

        wanted = [
            RewardRow(r.number, r.who, r.amount, r.reason, _row_key(file, r), r.currency or "")
            for r in rows
        ]
        reply_to = TeamsAddress.of(activity).to_ref()
        done = await send_rows(self._access.recognition, giver, file.name, wanted, find, reply_to)
        log.info("bulk rewards", extra={"rows": len(rows) + len(bad), "sent": len(done.sent)})
        return Answer(bulk_report_card(_card_report(done, bad), loc), replaces=False)


def _card_report(done: CoreReport, bad: list[BadRow]) -> BulkReport:
    """The core's row-by-row report, with the rows the file itself got wrong, as the card shows
    it."""
    refused = bad + [BadRow(o.line, o.who, o.reason, o.error) for o in done.refused]
    return BulkReport(
        done.file_name,
        sent=[o.reward for o in done.outcomes if o.reward is not None],
        already_sent=done.repeated,
        refused=sorted(refused, key=lambda b: b.number),
        budget_left=list(done.budget_left),
    )


def _row_key(file: SharedFile, row: Row) -> str:
    # The file's id and row number, plus the row itself: an edited file re-sent under the same id is
    # new work.
    content = "|".join((row.email, row.user_id, row.amount, row.currency or "", row.reason))
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f"teams-csv:{file.unique_id}:{row.number}:{digest}"
