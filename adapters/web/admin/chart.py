"""The overview chart as geometry for an inline SVG: bars of orders per day, a line of value
taken."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton

from adapters.i18n import ENGLISH, Localizer
from adapters.web.admin.formats import money_text
from core.money import Money, exponent
from core.oversight.overview import DayPoint

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 72, 16, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # read by screen readers as the bar's title


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    """What the template draws; every coordinate is in the SVG's own WIDTH × HEIGHT space."""

    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    bars: tuple[Bar, ...]
    line: str  # the points of an SVG polyline
    dots: tuple[tuple[float, float, str], ...]
    count_ticks: tuple[Tick, ...]
    value_ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    currency: str
    summary: str

    @property
    def empty(self) -> bool:
        return not self.bars


def build_chart(points: Sequence[DayPoint], currency: str, loc: Localizer = ENGLISH) -> Chart:
    """Lay out one bar and one line point per day, with axes rounded to readable steps; its words,
    numbers and dates in `loc`'s language."""
    bottom, top = HEIGHT - BOTTOM, TOP
    left, right = LEFT, WIDTH - RIGHT
    slot = (right - left) / max(len(points), 1)
    count_top = nice_ceiling(max((p.orders for p in points), default=0))
    value_top = nice_ceiling(
        max((p.value.minor for p in points), default=0) / 10 ** exponent(currency)
    )
    scale_count = (bottom - top) / count_top
    scale_value = (bottom - top) / (value_top * 10 ** exponent(currency))
    bars, line, dots = [], [], []
    for index, point in enumerate(points):
        centre = left + slot * (index + 0.5)
        height = point.orders * scale_count
        label = loc.n_(
            "{day}: {count} order, {value} paid",
            "{day}: {count} orders, {value} paid",
            point.orders,
            day=_short_day(point.day, loc),
            value=money_text(point.value, loc),
        )
        bars.append(
            Bar(
                round(centre - slot * 0.35, 2),
                round(bottom - height, 2),
                round(slot * 0.7, 2),
                round(height, 2),
                label,
            )
        )
        xy = (round(centre, 2), round(bottom - point.value.minor * scale_value, 2))
        line.append(xy)
        if point.orders:  # a dot marks a day with something to hover over; empty days stay quiet
            dots.append((*xy, label))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        bars=tuple(bars),
        line=" ".join(f"{x},{y}" for x, y in line),
        dots=tuple(dots),
        count_ticks=_ticks(count_top, top, bottom, loc.number),
        value_ticks=_ticks(
            value_top,
            top,
            bottom,
            lambda v: money_text(Money(v * 10 ** exponent(currency), currency), loc),
        ),
        x_labels=_x_labels(points, left, slot, loc),
        currency=currency,
        summary=_summary(points, currency, loc),
    )


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1), so axis steps are round."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def _ticks(
    top_value: int, top: float, bottom: float, render: Callable[[int], str]
) -> tuple[Tick, ...]:
    steps = min(
        top_value, 5
    )  # top_value is 1, 2 or 5 × 10ⁿ: five steps divide it evenly from 10 up
    return tuple(
        Tick(round(bottom - (bottom - top) * i / steps, 2), render(top_value * i // steps))
        for i in range(steps + 1)
    )


def _x_labels(
    points: Sequence[DayPoint], left: float, slot: float, loc: Localizer
) -> tuple[XLabel, ...]:
    every = max(1, math.ceil(len(points) / 8))  # at most about eight dates fit under the axis
    return tuple(
        XLabel(round(left + slot * (i + 0.5), 2), _short_day(p.day, loc))
        for i, p in enumerate(points)
        if i % every == 0
    )


def _short_day(day: date, loc: Localizer) -> str:
    """`Nov 3` (`3. Nov.`, `3 nov.`): a day under the axis, in the reader's calendar words."""
    return format_skeleton("MMMd", day, locale=loc.locale)


def _summary(points: Sequence[DayPoint], currency: str, loc: Localizer) -> str:
    orders = sum(p.orders for p in points)
    value = Money(sum(p.value.minor for p in points), currency)
    busiest = max(points, key=lambda p: p.orders, default=None)
    if busiest is None or orders == 0:
        return loc._("No orders in this period.")
    total = loc._(
        "{orders} over {days}, {value} paid.",
        orders=loc.n_("{count} order", "{count} orders", orders),
        days=loc.n_("{count} day", "{count} days", len(points)),
        value=money_text(value, loc),
    )
    busiest_day = loc._(
        "Busiest day: {day} with {orders}.",
        day=format_skeleton("MMMMd", busiest.day, locale=loc.locale),
        orders=loc.n_("{count} order", "{count} orders", busiest.orders),
    )
    return f"{total} {busiest_day}"
