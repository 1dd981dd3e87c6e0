"""The routing rules file: what operators write, what is refused and why, and the atomic save."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.providers.routes_file import RoutesFileError, load_routes, parse_routes, save_routes
from core.routing import CHEAPEST, PREFERRED

NAMES = ("xoxoday", "tango", "builtin")


def test_a_full_rules_file_becomes_routing_rules_with_unnamed_providers_after_the_default() -> None:
    rules = parse_routes(
        "default: [tango]\nstrategy: cheapest\ndiscounts: {xoxoday: 2.5, tango: 3}\n"
        "rules:\n  - countries: [us, GB]\n    brands: ['Quiet  Harbour Books']\n    prefer: "
        "[xoxoday]\n",
        NAMES,
    )
    assert rules.default == ("tango", "xoxoday", "builtin") and rules.strategy == CHEAPEST
    assert rules.discounts == {"xoxoday": 2.5, "tango": 3.0}
    (rule,) = rules.rules
    assert rule.countries == frozenset({"US", "GB"}) and rule.prefer == ("xoxoday",)
    assert rule.matches("quiet harbour books", "gb") and rule.strategy == PREFERRED


def test_no_file_routes_in_the_configured_provider_order(tmp_path: Path) -> None:
    assert load_routes(None, NAMES).default == NAMES
    assert load_routes(tmp_path / "missing.yaml", NAMES).default == NAMES


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("rules:\n  - prefer: [giftly]\n", "rule 1 prefer: giftly is not a configured provider"),
        ("rules:\n  - countries: [USA]\n", "rule 1: countries are two-letter codes"),
        ("strategy: fastest\n", "strategy must be one of preferred, cheapest"),
        ("discounts: {tango: 120}\n", "discounts: tango must be a percentage from 0 to 100"),
        ("rules:\n  - prefer: [tango]\n    weight: 3\n", "rule 1: unknown keys weight"),
        ("prefer: [tango]\n", "the routes file: unknown keys prefer"),
        ("rules: [\n", "not valid YAML"),
        ("- tango\n", "must be a mapping"),
    ],
)
def test_a_mistake_is_refused_with_where_and_why(text: str, says: str) -> None:
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(text, NAMES)
    assert says in str(caught.value)


def test_saving_checks_first_and_keeps_the_old_file_when_the_new_text_is_wrong(
    tmp_path: Path,
) -> None:
    path = tmp_path / "routes.yaml"
    save_routes(path, "default: [tango]\n", NAMES)
    with pytest.raises(RoutesFileError):
        save_routes(path, "default: [nobody]\n", NAMES)
    assert path.read_text(encoding="utf-8") == "default: [tango]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["routes.yaml"]  # no temporary file left behind
