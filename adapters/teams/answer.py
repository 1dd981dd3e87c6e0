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
