"""Rendered answers kept per view and locale: the same bytes Bolt would send, never a stale one."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt.context.ack.async_ack import AsyncAck

from adapters.i18n import localizer
from adapters.slack import blocks
from adapters.slack.answers import KeptAnswers
from core.catalog import Catalog, CatalogQuery
from core.views import CatalogPage, ProductCard
from tests.slack.conftest import SAMPLE, TEA

GERMAN = localizer("de-DE")


def first_page(catalog: Catalog) -> CatalogPage:
    return CatalogPage.of(catalog.search(CatalogQuery()), ("EUR", "USD"), ("DE", "US"))


async def test_a_kept_catalog_answer_is_the_body_bolts_ack_sends_for_its_message() -> None:
    answer = KeptAnswers().catalog(first_page(Catalog(list(SAMPLE))), None, GERMAN)
    ack = AsyncAck()

    await ack(response_type="ephemeral", text=answer.message.text, blocks=answer.message.blocks)
    kept = await AsyncAck()(answer.body)

    assert answer.message == blocks.catalog_message(first_page(Catalog(list(SAMPLE))), loc=GERMAN)
    assert kept.body == ack.response.body  # type: ignore[union-attr]
    assert kept.headers == ack.response.headers  # type: ignore[union-attr]


def test_a_page_asked_again_is_rendered_once_and_a_changed_catalog_renders_anew() -> None:
    answers = KeptAnswers()
    renamed = replace(TEA, name="Lantern Tea e-voucher, now with oolong")

    first = answers.catalog(first_page(Catalog(list(SAMPLE))), None, GERMAN)
    again = answers.catalog(first_page(Catalog(list(SAMPLE))), None, GERMAN)
    changed = answers.catalog(
        first_page(Catalog([p if p.id != TEA.id else renamed for p in SAMPLE])), None, GERMAN
    )
    english = answers.catalog(first_page(Catalog(list(SAMPLE))), None, localizer("en-US"))

    assert again is first
    assert "now with oolong" in changed.body and "now with oolong" not in first.body
    assert english.message.text != first.message.text


def test_a_kept_product_card_is_the_one_rendered_for_its_card_query_and_locale() -> None:
    answers = KeptAnswers()
    card, query = ProductCard.of(TEA), CatalogQuery(text="tea")

    kept = answers.product(card, query, "", GERMAN)

    assert kept == blocks.product_message(card, query, loc=GERMAN)
    assert answers.product(card, query, "", GERMAN) is kept
    assert answers.product(card, query, "rwd_1", GERMAN) != kept
