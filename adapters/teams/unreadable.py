"""The one error our translators raise: what the person sent cannot be understood (with what to do
instead)."""

from __future__ import annotations

from adapters.i18n.phrases import Phrase
from core.refusals import Reason


class UnreadableCommand(ValueError):
    """The text or card data cannot be understood; the message tells the person what to type
    instead.

    Given a Phrase (adapters.i18n.phrases.later) or a core `Reason`, it is said in the person's
    language."""

    def __init__(self, message: str | Phrase) -> None:
        super().__init__(message if isinstance(message, Reason) else str(message))
        self.phrase = message if isinstance(message, Phrase) else None
