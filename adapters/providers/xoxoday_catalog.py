"""Plum catalog sync: pages through getVouchers, maps each product to ours, caches them in a
CatalogStore."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from adapters.providers.xoxoday_api import GET_VOUCHERS, PlumApiError, decimal_of, operation_of
from core.catalog import ExpiryPolicy, Product, ValueRange
from core.errors import ProviderError
from core.money import MAX_MINOR, check_currency, exponent
from core.ports import CatalogStore, Clock

log = logging.getLogger(__name__)

PROVIDER = "xoxoday"
PRODUCT_PREFIX = "plum-"
FORMATS = {"code": "code", "codepin": "code_pin", "url": "url", "urlpin": "url_pin"}
_PERIOD = re.compile(r"(\d{1,4})\s*(day|month|year)s?\b", re.IGNORECASE)
_DAYS = {"day": 1, "month": 30, "year": 365}
_BREAKS = re.compile(r"<\s*(br|/p|/li|/div)\s*/?>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


class Unmappable(ValueError):
    """A Plum product we cannot sell; the message says why."""


class VoucherSource(Protocol):
    @property
    def requests(self) -> Mapping[str, int]:
        """Calls made per operation, retries included (getVouchers has a daily quota)."""

    async def get_vouchers(
        self, page: int, limit: int, filters: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class SyncReport:
    fetched: int
    mapped: int
    skipped: int
    calls: int


def product_id_for(plum_id: int | str) -> str:
    return f"{PRODUCT_PREFIX}{plum_id}"


def plum_id_of(product: Product) -> int:
    """Our product id back to Plum's productId; ProviderError for a product that is not Plum's."""
    digits = product.id.removeprefix(PRODUCT_PREFIX)
    if not product.id.startswith(PRODUCT_PREFIX) or not digits.isdigit():
        raise ProviderError(f"{product.id} is not a Plum product", retryable=False)
    return int(digits)


class XoxodayCatalogSync:
    """Replaces the cached Plum catalog; run on a schedule or by hand, never per user request."""

    def __init__(
        self,
        client: VoucherSource,
        store: CatalogStore,
        clock: Clock,
        *,
        provider: str = PROVIDER,
        page_size: int = 500,
        max_pages: int = 40,
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._provider = provider
        self._page_size = page_size
        self._max_pages = max_pages  # bounds one sync's share of the ~500 getVouchers calls a day

    async def sync(self) -> SyncReport:
        before = self._client.requests[operation_of(GET_VOUCHERS)]
        items = await self._fetch_all()
        products, skipped = _map_all(items, self._provider)
        if items:
            await self._store.replace(self._provider, products, self._clock.now())
        else:
            log.warning("Plum returned no products; the cached catalog is kept")
        report = SyncReport(
            len(items),
            len(products),
            skipped,
            self._client.requests[operation_of(GET_VOUCHERS)] - before,
        )
        log.info("Plum catalog synced", extra=asdict(report))
        return report

    async def _fetch_all(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, self._max_pages + 1):
            try:
                batch = await self._client.get_vouchers(page, self._page_size)
            except PlumApiError as exc:
                if exc.not_found:  # Plum answers 404 "No Vouchers Found" past the last page
                    break
                raise
            items.extend(batch)
            if len(batch) < self._page_size:
                break
        else:
            log.warning(
                "Plum catalog sync stopped at the page limit", extra={"max_pages": self._max_pages}
            )
        return items


def _map_all(items: Sequence[Mapping[str, Any]], provider: str) -> tuple[list[Product], int]:
    products: dict[str, Product] = {}
    skipped = 0
    for item in items:
        try:
            product = to_product(item, provider)
        except Unmappable as exc:
            skipped += 1
            log.info(
                "Plum product skipped",
                extra={"plum_product_id": item.get("productId"), "reason": str(exc)},
            )
            continue
        products.setdefault(product.id, product)  # a product can move between pages during a sync
    if skipped:
        log.warning("Plum products skipped", extra={"skipped": skipped, "mapped": len(products)})
    return list(products.values()), skipped


def to_product(item: Mapping[str, Any], provider: str = PROVIDER) -> Product:
    """One getVouchers entry as our Product; Unmappable with the reason when it cannot be sold
    here."""
    plum_id = item.get("productId")
    if isinstance(plum_id, bool) or not str(plum_id or "").isdigit():
        raise Unmappable("no numeric productId")
    title = _text(item.get("name"))
    if not title:
        raise Unmappable("no name")
    if item.get("isPhoneNumberMandatory") is True:
        raise Unmappable("the brand needs the recipient's phone number")
    currency = _currency(item.get("currencyCode"))
    denominations, value_range = _values(item, currency)
    try:
        return Product(
            id=product_id_for(int(str(plum_id))),
            brand=title,
            name=_display_name(title),
            currency=currency,
            description=_text(item.get("description")),
            image_url=_image(item.get("imageUrl")),
            countries=_countries(item),
            denominations=denominations,
            value_range=value_range,
            instructions=_instructions(item),
            terms=_text(
                item.get("termsAndConditionsInstructions") or item.get("termsAndConditions")
            ),
            expiry=_expiry(item.get("expiryAndValidity")),
            provider=provider,
            voucher_format=FORMATS.get(str(item.get("type") or "code").lower(), "code"),
        )
    except ValueError as exc:
        raise Unmappable(str(exc)) from None


def _currency(value: Any) -> str:
    try:
        return check_currency(str(value or ""))
    except ValueError:
        raise Unmappable(f"currency {value!r} is not an ISO 4217 code") from None


def _values(item: Mapping[str, Any], currency: str) -> tuple[tuple[int, ...], ValueRange | None]:
    kind = str(item.get("valueType") or "").lower()
    listed = str(item.get("valueDenominations") or "").strip()
    if kind == "fixed_denomination" or (not kind and listed):
        return _denominations(listed, currency), None
    if kind == "open_value" or (not kind and item.get("maxValue")):
        return (), _range(item, currency)
    raise Unmappable(f"unknown valueType {kind!r}")


def _denominations(listed: str, currency: str) -> tuple[int, ...]:
    values = set()
    for part in filter(None, (p.strip() for p in listed.split(","))):
        minor = _minor(decimal_of(part), currency)
        if minor is None or Decimal(minor).scaleb(-exponent(currency)) != decimal_of(part):
            raise Unmappable(f"denomination {part!r} is not an amount in {currency}")
        values.add(minor)
    if not values:
        raise Unmappable("a fixed-value product without denominations")
    return tuple(sorted(values))


def _range(item: Mapping[str, Any], currency: str) -> ValueRange:
    low = _minor(decimal_of(item.get("minValue")), currency, ROUND_CEILING)
    high = _minor(decimal_of(item.get("maxValue")), currency, ROUND_FLOOR)
    if low is None or high is None or not 0 < low <= high:
        raise Unmappable(
            f"open value range {item.get('minValue')!r}..{item.get('maxValue')!r} is empty"
        )
    return ValueRange(low, high)


def _minor(major: Decimal | None, currency: str, rounding: str = ROUND_FLOOR) -> int | None:
    if major is None or major <= 0:
        return None
    minor = int(major.scaleb(exponent(currency)).to_integral_value(rounding))
    return minor if 0 < minor < MAX_MINOR else None


def _countries(item: Mapping[str, Any]) -> tuple[str, ...]:
    listed = item.get("countries")
    codes = (
        [c.get("code") for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    )
    codes.append(item.get("countryCode"))
    clean = (str(c).strip().upper() for c in codes if c)
    return tuple(dict.fromkeys(c for c in clean if len(c) == 2 and c.isalpha()))


def _expiry(text: Any) -> ExpiryPolicy:
    """'Valid for 12 months from the date of issue' -> 360 days; anything else gets the default
    year."""
    found = _PERIOD.search(_text(text))
    if found and int(found.group(1)) > 0:
        return ExpiryPolicy(days_after_issue=int(found.group(1)) * _DAYS[found.group(2).lower()])
    return ExpiryPolicy()


def _instructions(item: Mapping[str, Any]) -> str:
    text = _text(item.get("redemptionInstructions"))
    if str(item.get("deliveryType") or "").lower() != "delayed":
        return text
    days = decimal_of(item.get("tatInDays"))
    when = (
        f"within {int(days)} business days" if days and days > 0 else "within a few business days"
    )
    return "\n".join(filter(None, [f"This voucher is delivered {when} of purchase.", text]))


def _image(value: Any) -> str:
    # Slack rejects a whole message over one unreachable image, so only absolute https URLs pass.
    url = str(value or "").strip()
    return url if url.startswith("https://") and " " not in url else ""


def _display_name(title: str) -> str:
    lowered = title.lower()
    return title if any(w in lowered for w in ("card", "voucher", "gift")) else f"{title} gift card"


def _text(value: Any) -> str:
    """Plum's HTML fragments as plain text lines."""
    if not isinstance(value, str):
        return ""
    plain = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", value)))
    lines = (" ".join(line.split()) for line in plain.splitlines())
    return "\n".join(line for line in lines if line)
