"""Locale tags as the platforms send them ('en-US', 'es-LA', 'de_DE', an Accept-Language header)
read into Babel."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.core import get_global

FALLBACK = "en_US"


def parse(tag: str | None) -> Locale:
    """The closest locale Babel knows for `tag`; English (US) when there is none.

    Slack sends tags CLDR does not know ('es-LA' for Latin American Spanish): the language alone is
    still right for the words and near enough for the numbers.
    """
    text = (tag or "").strip().replace("-", "_")
    if text.endswith("_LA"):
        text = text[:-3] + "_419"  # Slack's "Latin America" is CLDR's region 419
    for candidate in (text, text.split("_")[0]):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(FALLBACK)


def territory(locale: Locale) -> str:
    """The country a locale speaks for; a bare language ('de') means its most likely one (DE)."""
    if locale.territory:
        return str(locale.territory)
    likely = str(get_global("likely_subtags").get(locale.language, ""))
    return likely.rsplit("_", 1)[-1] if "_" in likely else ""


def from_accept_language(header: str | None) -> str:
    """The browser's first choice from an Accept-Language header, by its q weights ('' when
    none)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    return min(ranked)[2] if ranked else ""
