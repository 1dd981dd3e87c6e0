"""Rewards in Teams: typed requests, their confirmation, bulk CSV files and spending a reward; core
calls only."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from ssl import SSLContext

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.i18n import ENGLISH, Localizer, localizer, words
from adapters.i18n.phrases import Phrase, later
from adapters.teams.address import PLATFORM, TeamsAddress
from adapters.teams.answer import Answer, Card
from adapters.teams.bulk import BadRow, BulkReport, Row, SharedFile, download, read_rows
from adapters.teams.cards import catalog_card
from adapters.teams.people import recipient_of, resolve
from adapters.teams.reward_cards import (
    bulk_hint_card,
    bulk_report_card,
    cancelled_card,
    confirmation_card,
    sent_card,
)
from adapters.teams.reward_translate import (
    MAX_PEOPLE,
    USAGE,
    AskReward,
    Person,
    reward_key,
    terms_of,
)
from adapters.teams.translate import user_of
from adapters.teams.unreadable import UnreadableCommand
from core.amounts import TypedAmount
from core.bulk import BulkReport as CoreReport
from core.bulk import RewardRow, send_rows
from core.checkout import Checkout
from core.confirmations import Confirmations, NotYourConfirmation, Sent, Taken
from core.errors import InvalidRequest
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.ports import Directory, PendingConfirmations
from core.recognition import Recognition
from core.reward_sends import SendRewards
from core.rewards import Recipient
from core.views import RewardSummary

log = logging.getLogger(__name__)
NOT_SET_UP = later("Rewards are not switched on for this bot.")
EXPIRED = later(
    "This confirmation has expired. Type {command} again; nothing was sent.", command="“reward”"
)
LeftOut = list[tuple[str, str | Phrase]]


class NotSetUp(InvalidRequest):
    """Rewards are not switched on: said in the reader's language (words.error_text reads
    `phrase`)."""

    def __init__(self) -> None:
        super().__init__(str(NOT_SET_UP))
        self.phrase = NOT_SET_UP


class RewardDesk:
    """Translates reward requests into recognition calls and their results into cards; no rules of
    its own."""

    def __init__(
        self,
        checkout: Checkout,
        recognition: Recognition | None,
        directory: Directory | None,
        ssl: SSLContext | None = None,
        confirmations: PendingConfirmations | None = None,
    ) -> None:
        self._checkout = checkout
        self._recognition = recognition
        self._directory = directory
        self._ssl = ssl
        self._confirmations = (
            Confirmations(recognition.sender, confirmations)
            if recognition and confirmations
            else None
        )

    @property
    def recognition(self) -> Recognition:
        if self._recognition is None:
            raise NotSetUp()
        return self._recognition

    @property
    def confirmations(self) -> Confirmations:
        if self._confirmations is None:
            raise NotSetUp()
        return self._confirmations

    # --- who may send -----------------------------------------------------------------------------

    async def giver(self, activity: Activity) -> ChatUser:
        """The person asking, if they may send rewards; otherwise the core audits the attempt and
        refuses."""
        giver = user_of(activity)
        await self.recognition.givers.authorize(giver)
        return giver

    # --- typed: reward @a @b 25 USD why
    # ---------------------------------------------------------------

    async def ask(self, turn_context: TurnContext, intent: AskReward) -> Answer:
        activity = turn_context.activity
        loc = localizer(activity.locale)
        giver = await self.giver(activity)
        try:
            programmes = await self.recognition.budgets.programmes()
            terms = terms_of(intent.words, {p.currency for p in programmes})
            programme, amount = await self.recognition.pricing.priced(
                TypedAmount(terms.amount, terms.currency), giver=giver
            )
        except UnreadableCommand as exc:
            return Answer(text=words.error_text(exc, loc), replaces=False)
        except ValueError as exc:
            return Answer(text=f"{words.error_text(exc, loc)} {USAGE.said(loc)}", replaces=False)
        if len(intent.people) > MAX_PEOPLE:
            text = loc._(
                "Name at most {count} people at once; send me a CSV file for more.",
                count=loc.number(MAX_PEOPLE),
            )
            return Answer(text=text, replaces=False)
        found, left_out = await resolve(turn_context, intent.people)
        left_out += [(name, later("only people can be rewarded")) for name in intent.not_people]
        command = self.command(
            activity,
            found,
            amount,
            terms.reason,
            programme.id,
            reward_key(activity, giver.key),
            TeamsAddress.of(activity).to_ref(),
        )
        return Answer(await self.confirmation(command, left_out, loc), replaces=False)

    async def confirmation(
        self,
        command: SendRewards,
        left_out: Sequence[tuple[str, str | Phrase]],
        loc: Localizer = ENGLISH,
    ) -> Card:
        """The request waits in the core under its key; the card shows its preview."""
        preview = await self.confirmations.propose(command)
        return confirmation_card(preview, command.reason, command.request_key, left_out, loc)

    async def send(self, activity: Activity, key: str) -> Sent | Taken | None:
        """Send exactly what was confirmed, once, by the person who asked (double taps send nothing
        twice)."""

        async def kept(sent: Sent) -> tuple[Sent, str]:
            return sent, ""  # a later press shows nothing new: the first one's card already says it

        return await self.confirmations.send(key, user_of(activity), kept)

    async def send_from_card(self, activity: Activity, key: str) -> Answer:
        sent = await self.send(activity, key)
        loc = localizer(activity.locale)
        if sent is None:
            return Answer(text=EXPIRED.said(loc), replaces=False)
        if isinstance(sent, Taken):
            return (
                Answer()
            )  # already sent by an earlier press of this very card: nothing new to show
        if sent.report is None:
            return Answer(text=refused_text(sent, loc), replaces=False)
        return Answer(sent_card(sent.report, sent.command.amount, sent.command.reason, loc))

    async def cancel(self, activity: Activity, key: str) -> Answer:
        loc = localizer(activity.locale)
        try:
            dropped = await self.confirmations.cancel(key, user_of(activity))
        except NotYourConfirmation:
            return Answer(
                text=loc._("Only the person who asked for these rewards can cancel them."),
                replaces=False,
            )
        return Answer(cancelled_card(loc)) if dropped else Answer()

    def command(
        self,
        activity: Activity,
        people: Sequence[Person],
        amount: Money,
        reason: str,
        programme_id: str,
        key: str,
        reply_to: ConversationRef,
    ) -> SendRewards:
        here = TeamsAddress.of(activity)
        return SendRewards(
            giver=user_of(activity),
            recipients=tuple(recipient_of(activity, person) for person in people),
            amount=amount,
            reason=reason,
            programme_id=programme_id,
            request_key=key,
            reply_to=reply_to,
            # A channel or group chat it was given in: a peer programme may thank them there.
            shout_to=None if here.is_personal else here.to_ref(),
        )

    # --- people by email (dialog and CSV)
    # -------------------------------------------------------------

    async def person_by_email(self, email: str, name: str = "") -> Person | Phrase:
        """The colleague with this work email, or why they cannot be found."""
        if self._directory is None:
            return later(
                "I can't look up emails on this bot; use their Entra object id (user_id) instead"
            )
        recipient = await self._directory.find_by_email(email)
        if recipient is None or recipient.user.platform != PLATFORM:
            return later("no Teams user has the email {email}", email=email)
        return Person("", recipient.user.user_id, name or recipient.user.name)

    async def people_by_email(self, emails: Sequence[str]) -> tuple[list[Person], LeftOut]:
        found: list[Person] = []
        left_out: LeftOut = []
        for email in emails:
            person = await self.person_by_email(email)
            if isinstance(person, Phrase):
                left_out.append((email, person))
            else:
                found.append(person)
        return found, left_out

    # --- spending a reward
    # ------------------------------------------------------------------------------

    async def summary(self, reward_id: str, user: ChatUser) -> RewardSummary:
        """The reward, for its recipient only: ids in card data can be forged by anyone in the
        tenant."""
        return await self.recognition.rewards.recipient_reward(reward_id, user)

    async def redeem(
        self, reward_id: str, user: ChatUser, country: str | None = None, loc: Localizer = ENGLISH
    ) -> Answer:
        """Choose your voucher: the catalog for the recipient's country (its currency at a shown
        rate, else the reward's own); the reward follows every step."""
        reward = await self.summary(reward_id, user)
        if not reward.spendable:
            return Answer(text=_not_spendable(reward.status, loc), replaces=False)
        shop = await self._checkout.reward_catalog(reward, country, user)
        page = self._checkout.browse(shop.query)
        note = words.rate_note(shop.rate, shop.rate_problem, loc)
        return Answer(catalog_card(page, reward, loc, rate_note=note), replaces=False)

    # --- bulk CSV
    # -----------------------------------------------------------------------------------------

    async def bulk(self, turn_context: TurnContext, file: SharedFile) -> Answer:
        activity = turn_context.activity
        giver = await self.giver(activity)
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
                else await self.person_by_email(row.email, row.name)
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
        done = await send_rows(self.recognition, giver, file.name, wanted, find, reply_to)
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


def refused_text(sent: Sent, loc: Localizer) -> str:
    """Why a confirmed send was refused, in the reader's language (the core's error when it kept
    one)."""
    return words.error_text(sent.error, loc) if sent.error is not None else sent.refusal


def _not_spendable(status: str, loc: Localizer) -> str:
    command = "“vouchers mine”"
    if status == "expired":
        return loc._("This reward has expired; type {command} for your others.", command=command)
    if status == "cancelled":
        return loc._("This reward is cancelled; type {command} for your others.", command=command)
    return loc._("This reward is used up; type {command} for your others.", command=command)
