"""Rendering dashboard pages: the Jinja2 environment, its filters, and the headers every page
carries."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_datetime, format_time
from babel.numbers import format_decimal, format_percent

from adapters.i18n import ENGLISH, Localizer, localizer
from adapters.i18n.tags import from_accept_language
from adapters.i18n.words import rate_label
from adapters.web.admin.auth import csrf_token
from adapters.web.admin.formats import amount, money_text
from adapters.web.admin.labels import BADGE_LABELS, audit_key, history_line, said, status_word
from adapters.web.admin.sessions import CSRF_FIELD, SESSION_KEY
from adapters.web.admin.wording import (
    payment_label,
    platform_labels,
    shown_timeline,
    source_label,
)
from core.audit import AuditEntry
from core.catalog import Catalog
from core.errors import UnknownProduct
from core.money import Money
from core.platforms import ChatPlatform
from core.provider_health import BalanceReading

# An amount as an audit entry keeps it (`Money.label()`: `25.00 USD`).
MONEY_LABEL = re.compile(r"(?P<major>\d+(\.\d+)?) (?P<currency>[A-Z]{3})")
TEMPLATES = Path(__file__).parents[1] / "templates"
STATIC = Path(__file__).parents[1] / "static" / "admin"
STATIC_PREFIX = "/admin/static"
# No script runs on any dashboard page; inline SVG needs no source of its own.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}


class Views:
    """Renders `admin/<name>` with what every page needs: the session, its CSRF token, product
    names."""

    def __init__(
        self, catalog: Callable[[], Catalog], platforms: Iterable[ChatPlatform] = ()
    ) -> None:
        """`platforms` name the chat platforms where a page names one (their descriptors'
        labels)."""
        self._catalog = catalog
        platforms = tuple(platforms)
        labels = platform_labels(platforms)
        short = {platform.name: platform.short_label for platform in platforms}
        self._templates = _environment()
        self._templates.filters.update(
            channel=lambda name: short.get(name, name),
            source=_in_locale(lambda source, loc: source_label(source, loc, labels)),
            shown=_in_locale(lambda steps, loc: shown_timeline(steps, loc, labels)),
            details=_in_locale(lambda entry, loc: audit_details(entry, loc, short)),
        )

    def page(
        self, request: web.Request, name: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        loc = reader_of(request)
        html = self._templates.get_template(f"admin/{name}").render(
            session=request.get(SESSION_KEY),
            csrf=csrf_token(request),
            csrf_field=CSRF_FIELD,
            path=request.path,
            static=STATIC_PREFIX,
            product_name=self.product_name,
            loc=loc,
            _=loc._,
            n_=loc.n_,
            lang=loc.locale.language,
            **context,
        )
        return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)

    def product_name(self, product_id: str) -> str:
        """`Brand · Name` for a product in the catalog; its id if it has left the catalog since."""
        try:
            product = self._catalog().get(product_id)
        except UnknownProduct:
            return product_id
        return (
            product.name
            if product.name.startswith(product.brand)
            else f"{product.brand} · {product.name}"
        )

    def products(self) -> list[tuple[str, str]]:
        return sorted(
            ((p.id, self.product_name(p.id)) for p in self._catalog()),
            key=lambda item: item[1].lower(),
        )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_in_locale(when),
        short=_in_locale(short_time),
        day=_in_locale(day_label),
        amount=_in_locale(amount),
        money=_in_locale(money_text),
        status_label=_in_locale(status_label),
        status_word=_in_locale(status_word),
        payment_label=_in_locale(payment_label),
        said=_in_locale(said),
        number=_in_locale(number),
        percent=_in_locale(percent),
        rate=_in_locale(rate_label),
        provider_balance=_in_locale(provider_balance),
        history=_in_locale(history),
    )
    return env


def reader_of(request: web.Request) -> Localizer:
    """The dashboard writes amounts the way the admin's browser asks (Accept-Language)."""
    return localizer(from_accept_language(request.headers.get("Accept-Language")))


def _in_locale(format_value: Callable[[Any, Localizer], Any]) -> Callable[..., Any]:
    @jinja2.pass_context
    def render(context: jinja2.runtime.Context, value: Any) -> Any:
        return format_value(value, context.get("loc", ENGLISH))

    return render


def when(moment: datetime | str | None, loc: Localizer = ENGLISH) -> str:
    """`Nov 26, 2026, 9:00:05 AM UTC` (`26.11.2026, 09:00:05 UTC`): the dashboard speaks UTC, as the
    audit trail does, in the reader's locale (an ISO 8601 text is read first)."""
    moment = _moment(moment)
    if moment is None:
        return "—"
    return format_datetime(moment, format="medium", tzinfo=UTC, locale=loc.locale) + " UTC"


def day_label(value: date | None, loc: Localizer = ENGLISH) -> str:
    return "—" if value is None else loc.date(value)


def short_time(moment: datetime | str | None, loc: Localizer = ENGLISH) -> str:
    """`Nov 26, 2026 9:00 AM` for tables (the full time is in the cell's title)."""
    moment = _moment(moment)
    if moment is None:
        return "—"
    return (
        f"{loc.date(moment)} {format_time(moment, format='short', tzinfo=UTC, locale=loc.locale)}"
    )


def _moment(moment: datetime | str | None) -> datetime | None:
    if not isinstance(moment, str):
        return moment
    parsed = datetime.fromisoformat(moment)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def number(value: int | float | Decimal, loc: Localizer = ENGLISH) -> str:
    """`12,345` (`12.345`): a count in the reader's digits."""
    return format_decimal(value, locale=loc.locale)


def percent(basis_points: int, loc: Localizer = ENGLISH) -> str:
    """`2.5%` (`2,5 %`) for 250 basis points, with as many decimals as it has."""
    return format_percent(
        Decimal(basis_points) / 10_000, locale=loc.locale, decimal_quantization=False
    )


def history(line: str, loc: Localizer = ENGLISH) -> str:
    """`Dec 7, 2026, 4:17:00 AM UTC: sent`: a queued message's history line in the reader's
    words."""
    at, event = history_line(line, loc)
    try:
        return f"{when(at, loc)}: {event}" if at else event
    except ValueError:  # not a time after all: the line as it was written
        return line


def provider_balance(balance: BalanceReading, loc: Localizer = ENGLISH) -> str:
    """`tillo $120` (`tillo 120 $`): a provider and what is left with it."""
    return f"{balance.provider} {money_text(balance.balance, loc)}"


def status_label(status: object, loc: Localizer = ENGLISH) -> str:
    """A status, kind or role as a badge says it, in the reader's words (`Awaiting payment`,
    `Zahlung ausstehend`)."""
    label = BADGE_LABELS.get(str(status))
    return label.said(loc) if label else str(status).replace("_", " ").capitalize()


def audit_details(
    entry: AuditEntry, loc: Localizer = ENGLISH, channels: Mapping[str, str] | None = None
) -> str:
    """An audit entry's change in a few words: `Awaiting payment → Paid`, or its values (a status
    in the reader's words, a chat platform by its short label from `channels`)."""
    before, after = entry.before or {}, entry.after or {}
    if "status" in before and "status" in after:
        return f"{status_label(before['status'], loc)} → {status_label(after['status'], loc)}"
    values = sorted({**before, **after}.items())
    return ", ".join(
        f"{audit_key(key, loc)}: {_detail(key, value, loc, channels or {})}"
        for key, value in values
    )


def _detail(key: str, value: object, loc: Localizer, channels: Mapping[str, str]) -> object:
    if key in ("status", "role") and str(value) in BADGE_LABELS:
        return status_label(value, loc)
    if key in ("platform", "channel") and str(value) in channels:
        return channels[str(value)]
    if isinstance(value, bool):
        return loc._("yes") if value else loc._("no")
    if isinstance(value, int):
        return number(value, loc)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and (label := MONEY_LABEL.fullmatch(value)):
        return _amount_of(label, loc) or value
    return value


def _amount_of(label: re.Match[str], loc: Localizer) -> str:
    try:
        return amount(Money.parse(label["major"], label["currency"]), loc)
    except ValueError:  # not a currency after all: the value as it was written
        return ""
