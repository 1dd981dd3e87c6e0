"""Adaptive Cards dynamic typeahead: the `application/search` invoke read, and its answer as a
model.

An Input.ChoiceSet with `choices.data` (a Data.Query naming a dataset) makes Teams send the typed
text as an invoke; the bot answers with the choices (title shown, value submitted), at most 15
shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity
from msrest.serialization import Model

NAME = "application/search"
RESPONSE_TYPE = "application/vnd.microsoft.search.searchResponse"
MAX_TEXT = 100  # a typeahead box holds a few words; longer text only costs a slower scan
SHOWN = 15  # Teams shows at most 15 choices in the dropdown


@dataclass(frozen=True)
class SearchQuery:
    dataset: str
    text: str
    skip: int = 0
    top: int = SHOWN


def search_query(activity: Activity) -> SearchQuery:
    """{"queryText": "lant", "queryOptions": {"skip": 0, "top": 15}, "dataset": "…"}, as Teams sends
    it."""
    value: Any = activity.value if isinstance(activity.value, Mapping) else {}
    options = value.get("queryOptions")
    options = options if isinstance(options, Mapping) else {}
    return SearchQuery(
        dataset=str(value.get("dataset") or ""),
        text=str(value.get("queryText") or "").strip()[:MAX_TEXT],
        skip=_count(options.get("skip"), 0, 1000),
        top=_count(options.get("top"), SHOWN, SHOWN) or SHOWN,
    )


def _count(value: Any, default: int, most: int) -> int:
    return min(max(value, 0), most) if isinstance(value, int) else default


class SearchResponse(Model):
    """The invoke's body; a model, not a dict, so that CloudAdapter serialises it (see bot.py)."""

    _attribute_map = {  # noqa: RUF012 (msrest reads this class attribute; the SDK's models do the same)
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, results: Sequence[Mapping[str, str]]) -> None:
        super().__init__()
        self.type = RESPONSE_TYPE
        self.value = {"results": [{"title": r["title"], "value": r["value"]} for r in results]}
