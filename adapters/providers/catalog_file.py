"""The catalog file: products in YAML or JSON, checked field by field and loaded as core Products.

A file holds a top-level `products:` list. Amounts are major units (`25`, `12.50`) and become
integer minor units through `Money.parse`; the loaders below never build a float, so `10.05` stays
exact. `{PUBLIC_BASE_URL}` at the start of `image_url` or `redeem_url` is replaced when the file is
loaded.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from adapters.providers.catalog_values import AmountReader, ExpiryReader
from core.catalog import VOUCHER_FORMATS, Product
from core.money import check_currency

SAMPLE_CATALOG = Path(__file__).with_name("sample_catalog.yaml")
BRAND_IMAGES = Path(__file__).with_name("brands")
BASE_URL_TOKEN = "{PUBLIC_BASE_URL}"

REQUIRED = (
    "id",
    "brand",
    "name",
    "description",
    "currency",
    "countries",
    "instructions",
    "terms",
    "expiry",
    "voucher_format",
)
OPTIONAL = ("image_url", "redeem_url", "provider", "denominations", "value_range", "categories")
# Slack cuts option text at 75 characters; longer texts would not fit a section next to the price.
TEXT_LIMITS = {"brand": 75, "name": 75, "description": 300, "instructions": 1500, "terms": 1500}

# Active ISO 4217 codes a voucher can be sold in (fund codes and precious metals left out).
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED
VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
# ISO 3166-1 alpha-2, plus XK (Kosovo), which payment providers use although it is user-assigned.
_ISO_3166 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
CURRENCIES = frozenset(_ISO_4217.split())
COUNTRIES = frozenset(_ISO_3166.split())

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong in a catalog file: where it is (file, product index and id, field) and
    what."""

    file: str
    index: int | None
    item_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.index is not None:
            where.append(f"products[{self.index}]" + (f" ({self.item_id})" if self.item_id else ""))
        if self.field:
            where.append(self.field)
        return ": ".join([*where, self.message])


class CatalogError(ValueError):
    """A catalog file cannot be loaded; `problems` lists everything wrong with it."""

    def __init__(self, path: Path, problems: list[CatalogProblem]) -> None:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path}: the catalog file has {len(problems)} problem(s):\n{listing}")
        self.path = path
        self.problems = problems


def load_catalog(path: Path, *, public_base_url: str | None = None) -> list[Product]:
    """Read the products of a catalog file, or raise CatalogError listing every problem in it.

    `public_base_url` replaces `{PUBLIC_BASE_URL}` in URLs; without it such URLs are left empty,
    because Slack rejects a whole message whose image it cannot fetch.
    """
    products, problems = _read_catalog(Path(path), public_base_url)
    if problems:
        raise CatalogError(Path(path), problems)
    return products


def check_catalog(path: Path) -> list[CatalogProblem]:
    """Every problem in a catalog file (an empty list when it is good to load)."""
    return _read_catalog(Path(path), None)[1]


def _read_catalog(
    path: Path, public_base_url: str | None
) -> tuple[list[Product], list[CatalogProblem]]:
    problems: list[CatalogProblem] = []

    def note(index: int | None, item_id: str, field: str, message: str) -> None:
        problems.append(CatalogProblem(str(path), index, item_id, field, message))

    try:
        document = _parse(path)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        note(None, "", "", _describe_parse_error(exc))
        return [], problems
    products = [p for p in _read_products(document, note, public_base_url) if p is not None]
    return products, problems


def _parse(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise ValueError(f"a catalog file ends in .yaml, .yml or .json, not '{suffix}'")
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=Decimal,
            object_pairs_hook=_unique_keys,
        )
    return yaml.load(text, Loader=_CatalogLoader)


def _describe_parse_error(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return (
            f"cannot parse the file: {exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
        )
    if isinstance(exc, OSError):
        return f"cannot read the file: {exc.strerror or exc}"
    return f"cannot parse the file: {exc}"


Note = Callable[[int | None, str, str, str], None]


def _read_products(document: Any, note: Note, base_url: str | None) -> list[Product | None]:
    if not isinstance(document, dict) or not isinstance(document.get("products"), list):
        note(None, "", "products", "the file needs a top-level 'products:' list")
        return []
    for key in document:
        if key != "products":
            note(None, "", str(key), "unknown top-level key (only 'products' is read)")
    if not document["products"]:
        note(None, "", "products", "the list is empty")
    first_index: dict[str, int] = {}
    products = []
    for index, raw in enumerate(document["products"]):
        item_id = _item_id(raw)
        if item_id and item_id in first_index:
            note(
                index,
                item_id,
                "id",
                f"duplicate id, already used by products[{first_index[item_id]}]",
            )
        first_index.setdefault(item_id, index)
        products.append(_ItemReader(raw, _noting(note, index, item_id), base_url).product())
    return products


def _noting(note: Note, index: int, item_id: str) -> Callable[[str, str], None]:
    def note_item(field: str, message: str) -> None:
        note(index, item_id, field, message)

    return note_item


def _item_id(raw: object) -> str:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else ""


class _ItemReader:
    """Reads one product entry, noting every problem rather than stopping at the first."""

    def __init__(self, raw: object, note: Callable[[str, str], None], base_url: str | None) -> None:
        self._raw: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        self._is_mapping = isinstance(raw, dict)
        self._note_problem = note
        self._base_url = base_url
        self._problems = 0

    def _note(self, field: str, message: str) -> None:
        self._problems += 1
        self._note_problem(field, message)

    def product(self) -> Product | None:
        if not self._is_mapping:
            self._note("", "each product is a mapping of fields")
            return None
        self._unknown_keys()
        for name in REQUIRED:
            if name not in self._raw:
                self._note(name, "missing required field")
        fields = self._fields()
        if self._problems:
            return None
        return Product(**fields)

    def _fields(self) -> dict[str, Any]:
        currency = self._currency()
        denominations, value_range = AmountReader(self._raw, self._note).read(currency)
        voucher_format = self._voucher_format()
        redeem_url = self._url("redeem_url")
        if voucher_format in ("url", "url_pin") and not redeem_url:
            self._note("redeem_url", f"'{voucher_format}' vouchers need a redeem_url")
        return {
            "id": self._id(),
            **{
                name: self._text(name)
                for name in ("brand", "name", "description", "instructions", "terms")
            },
            "currency": currency or "",
            "countries": self._countries(),
            "denominations": denominations,
            "value_range": value_range,
            "expiry": ExpiryReader(self._raw, self._note).read(),
            "voucher_format": voucher_format,
            "image_url": self._resolve(self._url("image_url")),
            "redeem_url": self._resolve(redeem_url),
            "provider": self._provider(),
            "categories": self._categories(),
        }

    def _unknown_keys(self) -> None:
        for key in self._raw:
            if key not in REQUIRED and key not in OPTIONAL:
                guess = difflib.get_close_matches(str(key), REQUIRED + OPTIONAL, n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                self._note(str(key), f"unknown field{hint}")

    def _id(self) -> str:
        value = self._raw.get("id")
        if "id" in self._raw and not (isinstance(value, str) and _ID.match(value)):
            self._note(
                "id",
                "an id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            )
        return value if isinstance(value, str) else ""

    def _text(self, name: str) -> str:
        value = self._raw.get(name, "")
        if not isinstance(value, str):
            self._note(name, "must be text (quote it)")
            return ""
        if name in self._raw and not value.strip():
            self._note(name, "must not be empty")
        if len(value) > TEXT_LIMITS[name]:
            self._note(name, f"is {len(value)} characters long; at most {TEXT_LIMITS[name]}")
        return value.strip()

    def _currency(self) -> str | None:
        value = self._raw.get("currency")
        if "currency" not in self._raw:
            return None
        code = value.strip().upper() if isinstance(value, str) else ""
        if code not in CURRENCIES:
            self._note("currency", f"'{value}' is not an ISO 4217 currency code")
            return None
        return check_currency(code)

    def _categories(self) -> tuple[str, ...]:
        value = self._raw.get("categories", [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._note("categories", 'must be a list of words, such as ["coffee", "books"]')
            return ()
        return tuple(dict.fromkeys(v.strip().lower() for v in value))

    def _countries(self) -> tuple[str, ...]:
        value = self._raw.get("countries", [])
        if not isinstance(value, list):
            self._note(
                "countries", "must be a list of ISO 3166 alpha-2 codes (empty for everywhere)"
            )
            return ()
        codes = []
        for position, country in enumerate(value):
            code = country.strip().upper() if isinstance(country, str) else ""
            if code not in COUNTRIES:
                self._note(
                    f"countries[{position}]", f"'{country}' is not an ISO 3166 alpha-2 country code"
                )
            elif code not in codes:
                codes.append(code)
        return tuple(codes)

    def _voucher_format(self) -> str:
        value = self._raw.get("voucher_format", "code")
        if value not in VOUCHER_FORMATS:
            self._note("voucher_format", f"'{value}' is not one of {', '.join(VOUCHER_FORMATS)}")
            return "code"
        return str(value)

    def _provider(self) -> str:
        value = self._raw.get("provider", "builtin")
        if not (isinstance(value, str) and _PROVIDER.match(value)):
            self._note("provider", f"'{value}' is not a provider name such as 'builtin'")
            return "builtin"
        return value

    def _url(self, name: str) -> str:
        value = self._raw.get(name) or ""
        if value == "":
            return ""
        if not (isinstance(value, str) and _is_https(value)):
            self._note(name, f"'{value}' must be an https:// URL or start with {BASE_URL_TOKEN}")
            return ""
        return value

    def _resolve(self, url: str) -> str:
        if not url.startswith(BASE_URL_TOKEN):
            return url
        if self._base_url is None:
            return ""
        return self._base_url.rstrip("/") + url[len(BASE_URL_TOKEN) :]


def _is_https(url: str) -> bool:
    # The public base URL is checked by the settings; here it only has to lead the URL.
    probe = (
        "https://public.invalid" + url[len(BASE_URL_TOKEN) :]
        if url.startswith(BASE_URL_TOKEN)
        else url
    )
    try:
        parts = urlsplit(probe)
    except ValueError:
        return False
    return (
        parts.scheme == "https" and bool(parts.hostname) and not any(c in probe for c in ' {}<>"')
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"duplicate key '{key}'")
    return dict(pairs)


def _exact_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    # YAML would read 10.05 as a float; keep the written digits and let Money.parse judge them.
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


class _CatalogLoader(yaml.SafeLoader):
    """SafeLoader that keeps numbers exact, dates and yes/no as text, and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node.value, str) and key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key_node.value}'", key_node.start_mark
                )
            if isinstance(key_node.value, str):
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# YAML 1.1 reads the country code NO as false and 2026-02-30 as an error that stops the whole parse.
_CatalogLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CatalogLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CatalogLoader.add_constructor("tag:yaml.org,2002:int", _exact_number)
_CatalogLoader.add_constructor("tag:yaml.org,2002:float", _exact_number)
