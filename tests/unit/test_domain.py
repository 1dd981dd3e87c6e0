"""Money, catalog search and the audit chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.audit import AuditRecord, chain, verify
from core.catalog import Catalog, CatalogQuery, Product
from core.errors import InvalidTransition
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import Order
from tests.unit.conftest import BOOKS, TEA

AT = datetime(2026, 11, 26, tzinfo=UTC)


def test_money_parses_major_units_into_integer_minor_units() -> None:
    assert Money.parse("12.50", "usd") == Money(1250, "USD")
    assert Money.parse("1,000", "JPY") == Money(1000, "JPY")
    assert Money.parse("1.234", "KWD").major() == "1.234"
    assert str(Money(2500, "USD")) == "$25" and Money(2550, "GBP").label() == "25.50 GBP"


@pytest.mark.parametrize(
    "text",
    ["12.345", "-5", "1e3", "", "ten", "99999999999999", "1,00,000", "1.000,50", "٣", "２５"],
)
def test_money_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        Money.parse(text, "USD")


def test_money_refuses_a_comma_that_may_be_a_decimal_point_saying_how_to_write_it() -> None:
    with pytest.raises(ValueError, match=r"write 2\.50"):
        Money.parse("2,50", "EUR")  # was 250.00
    assert Money.parse("2,500", "EUR") == Money(250_000, "EUR")  # groups of three are thousands


def test_money_reads_a_symbol_only_when_it_names_the_currency() -> None:
    assert Money.parse("€25", "EUR") == Money.parse("25€", "EUR") == Money(2500, "EUR")
    with pytest.raises(ValueError, match="in EUR, not USD"):
        Money.parse("€25", "USD")


def test_money_never_takes_a_float() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(100, "US")


def test_catalog_search_matches_words_filters_and_pages() -> None:
    many = [replace(BOOKS, id=f"book-{i:04d}", name=f"Book shop {i:04d}") for i in range(5000)]
    catalog = Catalog([*many, TEA])

    result = catalog.search(CatalogQuery(text="book shop 4999"))
    assert [p.id for p in result.products] == ["book-4999"]
    assert catalog.search(CatalogQuery(currency="eur")).total == 1
    assert catalog.search(CatalogQuery(country="FR")).products == (TEA,)
    assert catalog.search(CatalogQuery(max_price=900)).products == (TEA,)
    page = catalog.search(CatalogQuery(text="book", page=3, per_page=10))
    assert page.total == 5000 and page.pages == 500 and len(page.products) == 10
    assert page.products[0].id == "book-0020"


def test_a_product_needs_denominations_or_a_range_but_not_both() -> None:
    with pytest.raises(ValueError):
        Product(id="x", brand="X", name="X", currency="USD")
    with pytest.raises(ValueError):
        replace(BOOKS, value_range=TEA.value_range)


def test_the_order_state_machine_refuses_skipped_steps() -> None:
    order = Order.create(
        order_id="ord_1",
        product_id=BOOKS.id,
        amount=Money(1000, "USD"),
        buyer=ChatUser("teams", "tenant", "29:1"),
        conversation=ConversationRef("teams", "{}"),
        request_key="k",
        at=AT,
        source="teams",
    )
    payment = {"intent_id": "pi_1", "client_secret": "s", "token": "t", "expires_at": AT}
    with pytest.raises(InvalidTransition):
        order.record_voucher("****1234", at=AT)
    order.await_payment(**payment, at=AT, source="test")
    order.pay(at=AT, source="stripe")
    assert [c.after for c in order.history] == ["created", "awaiting_payment", "paid"]
    with pytest.raises(InvalidTransition):
        order.await_payment(**payment, at=AT, source="test")


def test_audit_verification_names_the_first_tampered_entry() -> None:
    entries = []
    for i in range(5):
        entries.append(
            chain(entries[-1] if entries else None, AuditRecord("ops", f"act.{i}", "ord_1"), AT)
        )
    assert verify(entries).intact and verify(entries).checked == 5

    entries[2] = replace(entries[2], actor="mallory")
    report = verify(entries)
    assert report.first_broken_seq == 3 and "altered" in report.reason

    assert verify([entries[0], entries[1], entries[3]]).first_broken_seq == 3
