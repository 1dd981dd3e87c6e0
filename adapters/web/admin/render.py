"""Rendering dashboard pages: the Jinja2 environment, its filters, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from adapters.i18n import ENGLISH, Localizer, localizer
from adapters.i18n.tags import from_accept_language
from adapters.web.admin.auth import csrf_token
from adapters.web.admin.formats import amount, money_text
from adapters.web.admin.sessions import CSRF_FIELD, SESSION_KEY
from core.audit import AuditEntry
from core.catalog import Catalog
from core.errors import UnknownProduct
from core.money import Money
from core.oversight import source_label

TEMPLATES = Path(__file__).parents[1] / "templates"
STATIC = Path(__file__).parents[1] / "static" / "admin"
STATIC_PREFIX = "/admin/static"
# No script runs on any dashboard page; inline SVG needs no source of its own.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}
CHANNELS = {"slack": "Slack", "teams": "Teams"}


class Views:
    """Renders `admin/<name>` with what every page needs: the session, its CSRF token, product names."""

    def __init__(self, catalog: Callable[[], Catalog]) -> None:
        self._catalog = catalog
        self._templates = _environment()

    def page(self, request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
        html = self._templates.get_template(f"admin/{name}").render(
            session=request.get(SESSION_KEY),
            csrf=csrf_token(request),
            csrf_field=CSRF_FIELD,
            path=request.path,
            static=STATIC_PREFIX,
            product_name=self.product_name,
            loc=reader_of(request),
            **context,
        )
        return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)

    def product_name(self, product_id: str) -> str:
        """`Brand · Name` for a product in the catalog; its id if it has left the catalog since."""
        try:
            product = self._catalog().get(product_id)
        except UnknownProduct:
            return product_id
        return product.name if product.name.startswith(product.brand) else f"{product.brand} · {product.name}"

    def products(self) -> list[tuple[str, str]]:
        return sorted(
            ((p.id, self.product_name(p.id)) for p in self._catalog()), key=lambda item: item[1].lower()
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
        when=when,
        short=short_time,
        day=day_label,
        amount=_in_locale(amount),
        money=_in_locale(money_text),
        channel=channel,
        status_label=status_label,
        source=source_label,
        details=audit_details,
    )
    return env


def reader_of(request: web.Request) -> Localizer:
    """The dashboard writes amounts the way the admin's browser asks (Accept-Language)."""
    return localizer(from_accept_language(request.headers.get("Accept-Language")))


def _in_locale(format_money: Callable[[Money, Localizer], str]) -> Callable[..., str]:
    @jinja2.pass_context
    def render(context: jinja2.runtime.Context, money: Money) -> str:
        return format_money(money, context.get("loc", ENGLISH))

    return render


def when(moment: datetime | None) -> str:
    """`26 Nov 2026, 09:00:05 UTC`; the dashboard speaks UTC, as the audit trail does."""
    return "—" if moment is None else f"{moment:%d %b %Y, %H:%M:%S} UTC"


def day_label(value: date | None) -> str:
    return "—" if value is None else f"{value:%d %b %Y}"


def short_time(moment: datetime | None) -> str:
    """`26 Nov 2026 09:00` for tables (the full time is in the cell's title)."""
    return "—" if moment is None else f"{moment:%d %b %Y %H:%M}"


def channel(platform: str) -> str:
    return CHANNELS.get(platform, platform)


def status_label(status: object) -> str:
    return str(status).replace("_", " ").capitalize()


def audit_details(entry: AuditEntry) -> str:
    """An audit entry's change in a few words: `Awaiting payment → Paid`, or its values."""
    before, after = entry.before or {}, entry.after or {}
    if "status" in before and "status" in after:
        return f"{status_label(before['status'])} → {status_label(after['status'])}"
    return ", ".join(f"{key}: {value}" for key, value in sorted({**before, **after}.items()))
