"""gettext catalogs read from the .po files in the repository, so a fresh clone needs no build
step."""

from __future__ import annotations

from functools import lru_cache
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DIRECTORY = Path(__file__).parent / "locales"
DOMAIN = "voucherbot"


def po_path(language: str) -> Path:
    return DIRECTORY / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    """The compiled catalog for `language`; English is the source language and needs none."""
    path = po_path(language)
    if language == "en" or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    # Fuzzy entries are guesses a translator has not confirmed: English is better than a wrong
    # sentence.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return GNUTranslations(compiled)
