"""The files `voucherbot manifest slack|teams` reads ship inside the wheel, so an installed
voucherbot has them.

setuptools puts a data file into the wheel when it lies in a package (a folder with __init__.py
found by [tool.setuptools.packages.find]) and matches one of that package's
[tool.setuptools.package-data] patterns; these tests hold the manifests to that rule. (`pip wheel
--no-deps .` lists them too.)
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from adapters.slack.manifest import TEMPLATE
from adapters.teams.manifest import TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[2]


def shipped(file: Path) -> bool:
    """Whether setuptools, as pyproject.toml configures it, puts `file` into the wheel."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    relative = file.resolve().relative_to(ROOT)
    for depth in range(len(relative.parts) - 1, 0, -1):
        package_dir = ROOT.joinpath(*relative.parts[:depth])
        if not (package_dir / "__init__.py").is_file():
            continue
        package = ".".join(relative.parts[:depth])
        if not any(fnmatch.fnmatch(package, p) for p in config["packages"]["find"]["include"]):
            return False
        inside = "/".join(relative.parts[depth:])
        patterns = config["package-data"].get("*", []) + config["package-data"].get(package, [])
        return any(
            fnmatch.fnmatch(inside, p) and inside.count("/") == p.count("/") for p in patterns
        )
    return False


@pytest.mark.parametrize(
    "file",
    [TEMPLATE, *(TEMPLATE_DIR / n for n in ("manifest.json", "color.png", "outline.png"))],
    ids=lambda f: f.name,
)
def test_every_manifest_template_is_package_data_that_the_wheel_carries(file: Path) -> None:
    assert file.is_file()
    assert shipped(file), (
        f"{file} is not in the wheel: move it into a package or list it in package-data"
    )


def test_a_file_outside_the_packages_is_not_counted_as_shipped() -> None:
    assert not shipped(ROOT / "README.md")
    assert not shipped(ROOT / "tests" / "fixtures" / "SOURCES.md")
