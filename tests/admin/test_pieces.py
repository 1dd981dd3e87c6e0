"""The dashboard's pure pieces: reading filters, CSV cells, where to go after sign-in, the chart's
axes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import pytest

from adapters.i18n import localizer
from adapters.web.admin.auth import safe_next
from adapters.web.admin.chart import build_chart, nice_ceiling
from adapters.web.admin.export import csv_text, safe_cell
from adapters.web.admin.formats import amount, money_text
from adapters.web.admin.forms import order_query, same_filters, with_page
from adapters.web.admin.labels import BADGE_LABELS, STATUS_WORDS
from adapters.web.admin.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from adapters.web.admin.wording import payment_label, platform_labels, shown_timeline
from bot.build.channels import PLATFORMS
from core.approval_requests import ApprovalStatus
from core.audit import AuditEntry
from core.collections import CollectionStatus, ContributionState
from core.gifts import GiftStatus
from core.money import Money
from core.orders import OrderStatus, StatusChange
from core.outbox import MessageKind, MessageStatus
from core.oversight.lines import DeliveryAttempts, PaymentLine
from core.oversight.overview import DayPoint
from core.oversight.queries import OrderQuery
from core.oversight.timeline import order_timeline
from core.platforms import platform_names
from core.rewards import LedgerKind, RewardStatus

PLATFORM_NAMES = platform_names(PLATFORMS)  # the platform registry's names


def test_filters_are_read_from_the_query_string() -> None:
    query, problems = order_query(
        {
            "status": "paid",
            "channel": "teams",
            "from": "2026-11-01",
            "to": "2026-11-30",
            "q": " QHB ",
            "page": "3",
        },
        platforms=PLATFORM_NAMES,
    )

    assert problems == []
    assert query == OrderQuery(status="paid", platform="teams", since=date(2026, 11, 1), until=date(2026, 11, 30),
                               text="QHB", page=3)  # fmt: skip


def test_each_bad_filter_is_named_and_ignored() -> None:
    query, problems = order_query(
        {"status": "lost", "channel": "irc", "from": "2026-13-01", "per_page": "5000"},
        platforms=PLATFORM_NAMES,
    )

    assert query == OrderQuery()
    assert len(problems) == 4


def test_paging_links_keep_the_filters() -> None:
    values = {"status": "paid", "page": "2", "q": ""}

    assert with_page(values, 3) == "?status=paid&page=3"
    assert same_filters(values) == "?status=paid"


@pytest.mark.parametrize(
    ("cell", "written"),
    [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("Ada", "Ada"),
     (";=1+1", "';=1+1"), ("|cmd", "'|cmd"), ("\r=1", "'\r=1"),
     (25, "25"), (None, "")],
)  # fmt: skip
def test_a_cell_a_spreadsheet_would_run_is_quoted(cell: object, written: str) -> None:
    assert safe_cell(cell) == written


def test_csv_rows_end_in_crlf_and_quote_what_needs_quoting() -> None:
    assert csv_text(("a", "b"), [("x, y", '=say "hi"')]) == 'a,b\r\n"x, y","\'=say ""hi"""\r\n'


@pytest.mark.parametrize(
    ("target", "landing"),
    [("/admin/orders?status=paid", "/admin/orders?status=paid"), ("https://evil.example/admin", "/admin"),
     ("//evil.example/admin", "/admin"), ("/checkout/x", "/admin"), ("", "/admin")],
)  # fmt: skip
def test_after_sign_in_only_dashboard_paths_are_followed(target: str, landing: str) -> None:
    assert safe_next(target) == landing


def test_money_is_grouped_for_reading() -> None:
    assert amount(Money(123456789, "USD")) == "1,234,567.89 USD"
    assert money_text(Money(492500, "USD")) == "$4,925"
    assert money_text(Money(2000, "CHF")) == "CHF20"  # CLDR's en-US form


def test_the_dashboard_writes_money_in_the_readers_locale() -> None:
    german = localizer("de-DE")
    assert amount(Money(123456789, "USD"), german) == "1.234.567,89 USD"
    assert money_text(Money(492500, "EUR"), german) == "4.925\xa0€"
    assert money_text(Money(1250, "JPY")) == "¥1,250"


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (99, 100), (101, 200)]
)
def test_axes_end_on_a_round_number(value: float, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


def test_the_chart_has_a_bar_per_day_and_dots_only_where_there_were_orders() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)]
    points = [DayPoint(day, n % 3, Money(n % 3 * 2500, "USD")) for n, day in enumerate(days)]

    chart = build_chart(points, "USD")

    assert len(chart.bars) == 10 and len(chart.dots) == 6
    assert len(chart.line.split()) == 10
    assert [tick.text for tick in chart.value_ticks] == ["$0", "$10", "$20", "$30", "$40", "$50"]
    assert (
        chart.summary == "9 orders over 10 days, $225 paid. Busiest day: November 3 with 2 orders."
    )
    assert all(chart.plot_top <= bar.y <= chart.plot_bottom for bar in chart.bars)


async def test_passwords_are_argon2id_hashes_that_verify_only_the_right_password() -> None:
    hashed = hash_password("correct horse battery staple")

    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "correct horse battery staple")
    assert not await verify_password(hashed, "Correct horse battery staple")
    assert not await verify_password("not a hash", "anything")
    assert not needs_rehash(hashed)


def test_short_or_padded_passwords_are_refused() -> None:
    assert password_problems("correct horse battery staple") == []
    assert password_problems("short") == ["A password needs at least 12 characters."]
    assert password_problems(" padded password ") == [
        "A password cannot start or end with a space."
    ]


def test_the_dashboard_writes_times_in_the_readers_locale_and_in_utc() -> None:
    from datetime import UTC, datetime

    from adapters.web.admin.render import short_time, when

    moment = datetime(2026, 11, 26, 9, 0, 5, tzinfo=UTC)
    assert when(moment) == "Nov 26, 2026, 9:00:05\u202fAM UTC"
    assert when(moment, localizer("de-DE")) == "26.11.2026, 09:00:05 UTC"
    assert short_time(moment, localizer("de-DE")) == "26.11.2026 09:00"


def test_the_timeline_is_worded_with_who_acted_and_what_each_message_did() -> None:
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    history = [
        StatusChange(at, "slack", None, OrderStatus.CREATED),
        StatusChange(at, "system", OrderStatus.CREATED, OrderStatus.AWAITING_PAYMENT),
        StatusChange(at + timedelta(minutes=2), "stripe", None, OrderStatus.PAID),
    ]
    sent = DeliveryAttempts("msg-harbour-1", MessageKind.VOUCHER_DELIVERY, "teams", MessageStatus.SENT, 2,
                            at, at, at + timedelta(minutes=3), "", ())  # fmt: skip
    dead = DeliveryAttempts("msg-harbour-2", MessageKind.ORDER_UPDATE, "slack", MessageStatus.DEAD, 5,
                            at, at + timedelta(minutes=9), None, "channel_not_found", ())  # fmt: skip
    revealed = AuditEntry(7, at + timedelta(minutes=4), "admin:ops@quiet-harbour.example",
                          "voucher.revealed", "ord-harbour", None, {"voucher": "****7Q2X"}, "", "")  # fmt: skip

    timeline = order_timeline(history, [sent, dead], [revealed], "pi_harbour")
    # The chat platforms are named by their descriptors' labels.
    shown = shown_timeline(timeline, platforms=platform_labels(PLATFORMS))

    assert [(s.title, s.source, s.detail) for s in shown] == [
        ("Order created", "Slack", ""),
        ("Checkout link issued, awaiting payment", "voucherbot", "PaymentIntent pi_harbour"),
        ("Payment confirmed", "Stripe webhook", ""),
        ("Voucher message sent", "delivery worker", "to Microsoft Teams, after 2 attempts"),
        ("Voucher code revealed", "ops@quiet-harbour.example (dashboard)", "voucher: ****7Q2X"),
        ("Status message could not be delivered", "delivery worker", "to Slack: channel_not_found"),
    ]


def test_each_card_payment_says_whether_it_pays_or_is_a_refunded_duplicate() -> None:
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    paying = PaymentLine("pi_first", Money(2500, "USD"), at)
    due = PaymentLine("pi_again", Money(2500, "USD"), at, duplicate=True)
    back = PaymentLine("pi_again", Money(2500, "USD"), at, duplicate=True, refunded=True)

    assert [payment_label(p) for p in (paying, due, back)] == [
        "pays for the order",
        "duplicate payment, refund due",
        "duplicate payment refunded",
    ]


@pytest.mark.parametrize(
    "statuses",
    [
        OrderStatus,
        RewardStatus,
        GiftStatus,
        CollectionStatus,
        ContributionState,
        ApprovalStatus,
        MessageStatus,
        MessageKind,
        LedgerKind,
    ],
    ids=lambda enum: enum.__name__,
)
def test_every_status_the_dashboard_shows_has_a_badge_and_a_word_in_a_sentence(
    statuses: type[StrEnum],
) -> None:
    missing_badges = {str(s) for s in statuses} - set(BADGE_LABELS)
    assert missing_badges == set()
    if statuses not in (MessageKind, LedgerKind):  # kinds are named, never said inside a sentence
        assert {str(s) for s in statuses} - set(STATUS_WORDS) == set()
