"""What a handler shows in return: a card, a line of text, or nothing at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Card = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What to show: a card or a line of text; `replaces` swaps the card whose button was pressed.

    An empty answer (no card, no text) shows nothing: a repeated press that has nothing new to say.
    """

    card: Card | None = None
    text: str = ""
    replaces: bool = True

    @property
    def is_empty(self) -> bool:
        return self.card is None and not self.text


class SentAsIs(dict[str, Any]):
    """A card's JSON on its way out in an activity: the SDK neither deep-copies it per send
    (botbuilder's TurnContext copies every activity) nor walks it value by value (msrest's
    serialize_object, an `eval` per scalar; see connector.speed_up_msrest). It is a dict, so
    anything reading the activity sees the card. Never changed once sent: the copy it skips would
    have been the same."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SentAsIs:
        return self
