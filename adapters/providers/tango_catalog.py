"""Tango catalog sync: maps GET /catalogs brands and items to our products, cached in a
CatalogStore.

One product per brand, currency and country: Tango's fixed-value items (one utid per face value)
become its denominations, a variable-value item its open range; each amount keeps its utid in
`Product.skus`.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from adapters.providers.tango_api import decimal_of
from core.catalog import Product, ValueRange
from core.money import MAX_MINOR, check_currency, exponent
from core.ports import CatalogStore, Clock

log = logging.getLogger(__name__)

PROVIDER = "tango"
_TAGS = re.compile(r"<[^>]+>")
_BREAKS = re.compile(r"<\s*(br|/p|/li|/div)\s*/?>", re.IGNORECASE)


class CatalogSource(Protocol):
    async def get_catalog(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SyncReport:
    brands: int
    items: int
    mapped: int
    skipped: int


class TangoCatalogSync:
    """Replaces the cached Tango catalog; run on a schedule or by hand, never per user request."""

    def __init__(
        self, client: CatalogSource, store: CatalogStore, clock: Clock, *, provider: str = PROVIDER
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._provider = provider

    async def sync(self) -> SyncReport:
        catalog = await self._client.get_catalog()
        brands = [b for b in catalog.get("brands", []) if isinstance(b, dict)]
        products, items, skipped = map_catalog(brands, self._provider)
        if products:
            await self._store.replace(self._provider, products, self._clock.now())
        else:
            log.warning("Tango returned no sellable items; the cached catalog is kept")
        report = SyncReport(len(brands), items, len(products), skipped)
        log.info("Tango catalog synced", extra=asdict(report))
        return report


def map_catalog(
    brands: Sequence[Mapping[str, Any]], provider: str = PROVIDER
) -> tuple[list[Product], int, int]:
    """(products, items seen, items skipped) for Tango's verbose catalog."""
    products: list[Product] = []
    seen = skipped = 0
    for brand in brands:
        groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for item in brand.get("items") or []:
            seen += 1
            key = _group_key(brand, item)
            if key is None:
                skipped += 1
                continue
            groups.setdefault(key, []).append(item)
        for (currency, country), items in sorted(groups.items()):
            product = _product(brand, currency, country, items, provider)
            if product is None:
                skipped += len(items)
            else:
                products.append(product)
    return products, seen, skipped


def _group_key(brand: Mapping[str, Any], item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict) or not item.get("utid"):
        return None
    if (
        str(brand.get("status") or "").lower() != "active"
        or str(item.get("status") or "").lower() != "active"
    ):
        return None
    try:
        currency = check_currency(str(item.get("currencyCode") or ""))
    except ValueError:
        return None
    countries = [
        str(c).upper() for c in item.get("countries") or [] if isinstance(c, str) and len(c) == 2
    ]
    return currency, countries[0] if countries else ""


def _product(
    brand: Mapping[str, Any],
    currency: str,
    country: str,
    items: list[Mapping[str, Any]],
    provider: str,
) -> Product | None:
    variable = [i for i in items if str(i.get("valueType")).upper() == "VARIABLE_VALUE"]
    fixed = [i for i in items if str(i.get("valueType")).upper() == "FIXED_VALUE"]
    skus: list[tuple[int, str]] = []
    value_range = None
    if variable:
        item = variable[0]
        low, high = (
            _minor(item.get("minValue"), currency, ROUND_CEILING),
            _minor(item.get("maxValue"), currency),
        )
        if low is None or high is None or low > high:
            return None
        value_range, skus = ValueRange(low, high), [(0, str(item["utid"]))]
    else:
        for item in fixed:
            face = _minor(item.get("faceValue"), currency)
            if face is not None:
                skus.append((face, str(item["utid"])))
        if not skus:
            return None
    name = _text(brand.get("brandName"))
    if not name:
        return None
    first = (variable or fixed)[0]
    key = "".join(ch for ch in str(brand.get("brandKey") or name) if ch.isalnum()).lower()
    return Product(
        id=f"tango-{key}-{currency}-{country or 'any'}".lower(),
        brand=name,
        name=name
        if any(w in name.lower() for w in ("card", "voucher", "gift"))
        else f"{name} gift card",
        currency=currency,
        description=_text(brand.get("shortDescription") or brand.get("description")),
        image_url=_image(brand.get("imageUrls")),
        countries=(country,) if country else (),
        denominations=() if value_range else tuple(sorted({m for m, _ in skus})),
        value_range=value_range,
        instructions=_text(first.get("redemptionInstructions")),
        terms=_text(brand.get("terms")),
        provider=provider,
        voucher_format=_format(first.get("credentialTypes")),
        skus=tuple(sorted(skus)),
    )


def _minor(value: Any, currency: str, rounding: str = ROUND_FLOOR) -> int | None:
    major = decimal_of(value)
    if major is None or major <= 0:
        return None
    minor = int(Decimal(major).scaleb(exponent(currency)).to_integral_value(rounding))
    return minor if 0 < minor < MAX_MINOR else None


def _format(types: Any) -> str:
    names = {"".join(ch for ch in str(t).lower() if ch.isalnum()) for t in types or []}
    url = bool(names & {"url", "redemptionurl", "link"})
    pin = bool(names & {"pin", "cardpin", "securitycode"})
    return ("url" if url else "code") + ("_pin" if pin else "")


def _image(urls: Any) -> str:
    # Slack rejects a whole message over one unreachable image, so only absolute https URLs pass.
    if not isinstance(urls, dict):
        return ""
    ranked = sorted(urls.items(), key=lambda kv: ("300w" not in str(kv[0]), str(kv[0])))
    for _, url in ranked:
        if isinstance(url, str) and url.startswith("https://") and " " not in url:
            return url
    return ""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    plain = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", value)))
    lines = (" ".join(line.split()) for line in plain.splitlines())
    return "\n".join(line for line in lines if line)
