"""Speaking to a person in their locale: Babel (CLDR) amounts and dates, gettext texts; shared by
every channel."""

from adapters.i18n.localizer import ENGLISH, LANGUAGES, Localizer, localizer

__all__ = ["ENGLISH", "LANGUAGES", "Localizer", "localizer"]
