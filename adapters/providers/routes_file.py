"""The operator's routing rules file (PROVIDER_ROUTES_FILE, YAML) read into
core.routing.RoutingRules.

default: [xoxoday, tango, builtin]   # preference when no rule matches (else VOUCHER_PROVIDER's
order) strategy: preferred                  # or cheapest: the biggest discount first discounts:
{xoxoday: 2.5, tango: 3}  # percent off face value that each provider gives us rules:
# the first matching rule wins
  - countries: [US]
    brands: [Quiet Harbour Books]
    prefer: [tango, xoxoday]
  - countries: [GB, IE]
    strategy: cheapest
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from core.routing import STRATEGIES, RouteRule, RoutingRules, brand_key

TOP_KEYS = {"default", "strategy", "discounts", "rules"}
RULE_KEYS = {"countries", "brands", "prefer", "strategy"}


class RoutesFileError(ValueError):
    """The routes file cannot be used; the message says where and why."""


def parse_routes(text: str, providers: Sequence[str]) -> RoutingRules:
    """Rules from YAML text; every provider named must be one that is configured."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise RoutesFileError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RoutesFileError(
            "the routes file must be a mapping (default, strategy, discounts, rules)"
        )
    _no_unknown(data, TOP_KEYS, "the routes file")
    known = tuple(providers)
    default = _providers(data.get("default", list(known)), known, "default")
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise RoutesFileError("rules must be a list")
    try:
        return RoutingRules(
            default=tuple(default) + tuple(p for p in known if p not in default),
            strategy=_strategy(data.get("strategy", "preferred"), "strategy"),
            discounts=_discounts(data.get("discounts") or {}, known),
            rules=tuple(_rule(rule, known, number) for number, rule in enumerate(rules, start=1)),
        )
    except ValueError as exc:
        raise RoutesFileError(str(exc)) from None


def load_routes(path: Path | None, providers: Sequence[str]) -> RoutingRules:
    if path is None or not path.exists():
        return RoutingRules(default=tuple(providers))
    return parse_routes(path.read_text(encoding="utf-8"), providers)


def save_routes(path: Path, text: str, providers: Sequence[str]) -> RoutingRules:
    """Check the text, then replace the file atomically (a replica reading it never sees half a
    file)."""
    rules = parse_routes(text, providers)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".routes-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return rules


def _rule(item: Any, known: tuple[str, ...], number: int) -> RouteRule:
    where = f"rule {number}"
    if not isinstance(item, dict):
        raise RoutesFileError(f"{where} must be a mapping")
    _no_unknown(item, RULE_KEYS, where)
    countries = _strings(item.get("countries") or [], f"{where} countries")
    if any(len(c) != 2 or not c.isalpha() for c in countries):
        raise RoutesFileError(f"{where}: countries are two-letter codes such as US or GB")
    return RouteRule(
        prefer=tuple(_providers(item.get("prefer") or [], known, f"{where} prefer")),
        countries=frozenset(c.upper() for c in countries),
        brands=frozenset(
            brand_key(b) for b in _strings(item.get("brands") or [], f"{where} brands")
        ),
        strategy=_strategy(item.get("strategy", "preferred"), f"{where} strategy"),
    )


def _providers(value: Any, known: tuple[str, ...], where: str) -> list[str]:
    names = _strings(value, where)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise RoutesFileError(
            f"{where}: {', '.join(unknown)} is not a configured provider ({', '.join(known)})"
        )
    return names


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RoutesFileError(f"{where} must be a list of names")
    return [v.strip() for v in value]


def _strategy(value: Any, where: str) -> str:
    if value not in STRATEGIES:
        raise RoutesFileError(f"{where} must be one of {', '.join(STRATEGIES)}")
    return str(value)


def _discounts(value: Any, known: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(value, dict):
        raise RoutesFileError("discounts must map provider names to percentages")
    found = {}
    for name, percent in value.items():
        if name not in known:
            raise RoutesFileError(f"discounts: {name} is not a configured provider")
        if (
            isinstance(percent, bool)
            or not isinstance(percent, (int, float))
            or not 0 <= percent < 100
        ):
            raise RoutesFileError(f"discounts: {name} must be a percentage from 0 to 100")
        found[str(name)] = float(percent)
    return found


def _no_unknown(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(map(str, data)) - allowed
    if unknown:
        raise RoutesFileError(
            f"{where}: unknown keys {', '.join(sorted(unknown))} (allowed: "
            f"{', '.join(sorted(allowed))})"
        )
