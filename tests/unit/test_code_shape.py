"""The size limits of the style guide, held by a test: no core module over 300 lines, and no class
over 200 lines anywhere in the product's code. A module or class past them carries more than one
concept; split it by what it does rather than raising the limit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "adapters", "bot")
MAX_CORE_MODULE_LINES = 300
MAX_CLASS_LINES = 200


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _classes(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.name, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]


def test_the_sources_are_found() -> None:
    assert len(_sources("core")) > 50
    assert all(_sources(package) for package in PACKAGES)


def test_no_core_module_is_over_300_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _sources("core")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_CORE_MODULE_LINES
    }
    assert long == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_class_is_over_200_lines(package: str) -> None:
    long = {
        f"{path.relative_to(ROOT)}:{name}": lines
        for path in _sources(package)
        for name, lines in _classes(path)
        if lines > MAX_CLASS_LINES
    }
    assert long == {}
