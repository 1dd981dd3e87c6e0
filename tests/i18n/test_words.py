"""The words channels share: category and rate notes, and typed filters that say what is valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.i18n import localizer, words
from core.catalog import CatalogQuery
from core.fx import Quote, Rate, StaleRate
from core.money import Money
from core.views import CatalogPage


def empty_page(query: CatalogQuery, categories: tuple[str, ...]) -> CatalogPage:
    return CatalogPage((), query, 1, 1, 0, ("EUR",), ("DE",), categories)


def test_an_unknown_category_says_which_categories_exist() -> None:
    page = empty_page(CatalogQuery(category="crypto"), ("books", "coffee"))

    assert words.unknown_filter(page, localizer("en-US")) == (
        "No vouchers in the category “crypto”. Categories: Books, Coffee."
    )
    assert words.unknown_filter(page, localizer("es-ES")) == (
        "No hay vales en la categoría «crypto». Categorías: Books, Coffee."
    )


def test_a_known_category_is_no_error() -> None:
    assert (
        words.unknown_filter(
            empty_page(CatalogQuery(category="coffee"), ("coffee",)), localizer(None)
        )
        == ""
    )


def test_the_rate_note_is_said_with_the_readers_numbers_and_date() -> None:
    quote = Quote(
        Money(2_000_00, "INR"),
        Money(21_64, "EUR"),
        Decimal("92.40"),
        "ecb",
        datetime(2026, 11, 25, tzinfo=UTC),
    )

    assert words.rate_note(quote, None, localizer("en-IN")) == (
        "Your ₹2,000 buys up to €21.64 at 1 EUR = 92.4 INR (ecb, 25 Nov 2026); "
        "the rate is locked when you order."
    )
    assert "1 EUR = 92,4 INR (ecb, 25.11.2026)" in words.rate_note(quote, None, localizer("de-DE"))


def test_a_stale_rate_is_said_in_the_readers_language_not_the_cores_english() -> None:
    rate = Rate("EUR", "INR", Decimal("92.4"), "ecb", datetime(2026, 11, 1, tzinfo=UTC))

    said = words.rate_note(None, StaleRate(rate, timedelta(hours=48)), localizer("fr-FR"))

    assert said.startswith(
        "Le taux de change le plus récent, 1 EUR = 92.4 INR, date du 1 nov. 2026"
    )


def test_every_refusal_rule_of_the_core_is_said_in_each_language_from_its_data() -> None:
    from adapters.i18n.refusal_words import said
    from core.money import Money
    from core.refusals import RULES, Reason, joined

    german = localizer("de-DE")
    budget = Reason("budget", left=Money(20000, "EUR"), needed=Money(100000, "EUR"))
    both = joined([Reason("reward_self"), budget])

    assert (
        said(budget, german).replace("\xa0", " ")
        == "Im Budget sind noch 200 €, nicht genug für 1.000 €."
    )
    assert said(both, german).startswith("Sie können sich nicht selbst belohnen. Im Budget")
    assert str(budget) == "The budget has €200 left, not enough for €1000."  # the core's English
    for rule in RULES:
        values = {name: "x" for name in _placeholders(RULES[rule])}
        assert said(Reason(rule, **values), german) != str(Reason(rule, **values)), rule


def test_a_budget_refusal_raised_by_the_core_reaches_the_person_in_their_language() -> None:
    from adapters.i18n import words
    from core.money import Money
    from core.refusals import Reason
    from core.rewards import BudgetExceeded

    error = BudgetExceeded("prg_1", Reason("per_reward_limit", limit=Money(5000, "USD")))

    assert words.error_text(error, localizer("fr-FR")).replace("\xa0", " ").replace(
        "\u202f", " "
    ) == ("Une récompense peut être de 50 $US au plus.")


def _placeholders(template: str) -> set[str]:
    import re

    return set(re.findall(r"\{(\w+)\}", template))
