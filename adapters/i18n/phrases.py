"""Texts said later, in the reader's language: a translator raises one before anyone's locale is
known."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.i18n.localizer import Localizer


@dataclass(frozen=True)
class Phrase:
    """An English template (a gettext message id) and its values, to be said by `said(loc)`."""

    template: str
    values: dict[str, object] = field(default_factory=dict)

    def said(self, loc: Localizer) -> str:
        """Said in `loc`'s language; a value that is itself a Phrase is said in it too."""
        values = {
            name: value.said(loc) if isinstance(value, Phrase) else value
            for name, value in self.values.items()
        }
        return loc._(self.template, **values)

    def __str__(self) -> str:
        return self.template.format(**self.values)


def later(template: str, **values: object) -> Phrase:
    """Marks `template` for the catalogs (pybabel's `-k later`), to be translated when it is
    said."""
    return Phrase(template, values)


def say(text: str | Phrase, loc: Localizer) -> str:
    """A Phrase said in `loc`'s language; plain text as it is (a name, or English from
    elsewhere)."""
    return text.said(loc) if isinstance(text, Phrase) else text
