"""Rewards in Teams: what every reward piece shares (the core's recognition and pending
confirmations, who may give) and the words they say alike; core calls only."""

from __future__ import annotations

from botbuilder.schema import Activity

from adapters.i18n import Localizer, words
from adapters.i18n.phrases import later
from adapters.teams.translate import user_of
from core.confirmations import Confirmations, Sent
from core.errors import InvalidRequest
from core.identity import ChatUser
from core.ports import PendingConfirmations
from core.recognition import Recognition

NOT_SET_UP = later("Rewards are not switched on for this bot.")
EXPIRED = later(
    "This confirmation has expired. Type {command} again; nothing was sent.", command="“reward”"
)


class NotSetUp(InvalidRequest):
    """Rewards are not switched on: said in the reader's language (words.error_text reads
    `phrase`)."""

    def __init__(self) -> None:
        super().__init__(str(NOT_SET_UP))
        self.phrase = NOT_SET_UP


class RewardAccess:
    """The core's recognition and pending confirmations, shared by every reward piece; each use
    refuses with NotSetUp on a bot built without them."""

    def __init__(
        self, recognition: Recognition | None, confirmations: PendingConfirmations | None = None
    ) -> None:
        self._recognition = recognition
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

    async def giver(self, activity: Activity) -> ChatUser:
        """The person asking, if they may send rewards; otherwise the core audits the attempt and
        refuses."""
        giver = user_of(activity)
        await self.recognition.givers.authorize(giver)
        return giver


def refused_text(sent: Sent, loc: Localizer) -> str:
    """Why a confirmed send was refused, in the reader's language (the core's error when it kept
    one)."""
    return words.error_text(sent.error, loc) if sent.error is not None else sent.refusal
