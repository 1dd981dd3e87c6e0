"""The one error our translators raise: what the person sent cannot be understood (with what to do instead)."""

from __future__ import annotations


class UnreadableCommand(ValueError):
    """The text or card data cannot be understood; the message tells the person what to type instead."""
