"""The five languages are complete: every text in the code is in the template and in each catalog,
with the same placeholders; a text added without its translations fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from adapters.i18n import LANGUAGES, localizer
from adapters.i18n.catalogs import DIRECTORY, po_path

ROOT = Path(__file__).resolve().parents[2]
# The same mapping as babel.cfg, which `pybabel extract -F babel.cfg -k _ -k n_:1,2 -k later` uses.
METHODS = [
    ("adapters/**.py", "python"),
    ("adapters/web/templates/checkout/**.html", "jinja2.ext:babel_extract"),
    ("adapters/web/templates/admin/**.html", "jinja2.ext:babel_extract"),
]
KEYWORDS = {"_": None, "n_": (1, 2), "later": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TRANSLATED = [language for language in LANGUAGES if language != "en"]


def _key(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def in_the_code() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS, comment_tags=())
    return {_key(message) for _file, _line, message, _comments, _context in found}


def catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language)


def template_ids() -> set[str | tuple[str, ...]]:
    return {_key(m.id) for m in catalog(DIRECTORY / "voucherbot.pot") if m.id}


def test_every_text_in_the_code_is_in_the_template_and_nothing_stale_is_left() -> None:
    assert in_the_code() == template_ids(), (
        "run pybabel extract (see babel.cfg) and translate what is new"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalog_translates_every_text_with_the_same_placeholders(language: str) -> None:
    translations = {_key(m.id): m for m in catalog(po_path(language), language) if m.id}

    assert set(translations) == template_ids()
    for key, message in translations.items():
        assert not message.fuzzy, f"{language}: fuzzy {key!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        sources = key if isinstance(key, tuple) else (key,)
        assert all(s.strip() for s in strings), f"{language}: untranslated {key!r}"
        expected = {name for source in sources for name in PLACEHOLDER.findall(source)}
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected, (
                f"{language}: unknown placeholder in {key!r}"
            )
            assert set(PLACEHOLDER.findall(string)) >= expected - {"count"}, (
                f"{language}: lost a value in {key!r}"
            )


@pytest.mark.parametrize(
    ("tag", "sentence"),
    [
        ("de-DE", "Gutschein auswählen"),
        ("fr-FR", "Choisir votre bon"),
        ("es-ES", "Elige tu vale"),
        ("hi-IN", "अपना वाउचर चुनें"),
        ("en-GB", "Choose your voucher"),
    ],
)
def test_a_person_reads_the_texts_in_their_language(tag: str, sentence: str) -> None:
    assert localizer(tag)._("Choose your voucher") == sentence


def test_placeholders_are_filled_in_after_translation() -> None:
    assert localizer("fr-FR")._("Pay {amount}", amount="25 €") == "Payer 25 €"
    assert localizer("de-DE").n_("{count} voucher", "{count} vouchers", 2) == "2 Gutscheine"


def test_a_refusal_from_the_core_is_said_in_the_persons_language() -> None:
    from adapters.i18n import words
    from core.errors import NotOrderOwner, UnknownProduct

    assert (
        words.error_text(UnknownProduct("gone"), localizer("es-ES"))
        == "No hay ningún vale «gone» en el catálogo."
    )
    assert words.error_text(NotOrderOwner("ord_1"), localizer("en-US")) == (
        "Only the person who placed this order can do that."
    )


@pytest.mark.parametrize(
    ("tag", "sentence"),
    [
        ("en-US", "“2026-13-01” is not a real date and time."),
        ("de-DE", "„2026-13-01“ ist kein gültiges Datum mit Uhrzeit."),
        ("fr-FR", "« 2026-13-01 » n’est pas une date et une heure valides."),
        ("es-ES", "«2026-13-01» no es una fecha y hora válidas."),
        ("hi-IN", "“2026-13-01” कोई वास्तविक तारीख और समय नहीं है।"),
    ],
)
def test_a_gift_refusal_is_worded_from_its_data_in_the_persons_language(
    tag: str, sentence: str
) -> None:
    from adapters.i18n import words
    from core.gifts import InvalidGift

    assert (
        words.error_text(InvalidGift("not_a_real_date", "2026-13-01"), localizer(tag)) == sentence
    )


def test_every_gift_refusal_of_the_core_has_its_own_wording_and_names_the_channels_command() -> (
    None
):
    from adapters.i18n import words
    from core.gifts import GIFT_RULES, GiftNotCancellable, GiftNotFound, InvalidGift, NotGiftBuyer

    german = localizer("de-DE")
    errors = [InvalidGift(rule, "x") for rule in GIFT_RULES]
    errors += [GiftNotFound("gft_1"), NotGiftBuyer("gft_1")]
    errors += [GiftNotCancellable("gft_1", s) for s in ("delivered", "cancelled")]
    said = [words.error_text(e, german, catalog_command="“vouchers”") for e in errors]

    assert all(s != str(e) for s, e in zip(said, errors, strict=True))  # none falls back to English
    assert len(set(said)) == len(errors)
    assert said[0] == (
        "Ein Geschenk ist für jemand anderen: Mit “vouchers” kaufen Sie einen Gutschein für sich "
        "selbst."
    )
    assert (
        words.error_text(InvalidGift("to_self"), german) == "Ein Geschenk ist für jemand anderen."
    )
