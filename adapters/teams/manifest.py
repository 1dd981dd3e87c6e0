"""Build the Teams app package (manifest.json filled in for one deployment, plus both icons) as a
zip."""

from __future__ import annotations

import copy
import json
import re
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Package data, next to this module, so an installed voucherbot (a wheel, the image) has it too.
TEMPLATE_DIR = Path(__file__).with_name("app_package")
ICONS = ("color.png", "outline.png")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def build_package(
    app_id: str, base_url: str, out: Path, *, template_dir: Path = TEMPLATE_DIR
) -> Path:
    """Write the zip Teams uploads: `manifest.json`, `color.png`, `outline.png` at its root."""
    template = json.loads((template_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest = fill_manifest(template, app_id, base_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for icon in ICONS:
            package.write(template_dir / icon, icon)
    return out


def fill_manifest(template: dict[str, Any], app_id: str, base_url: str) -> dict[str, Any]:
    """The template with this deployment's app id and the domain of its checkout pages."""
    if not GUID.match(app_id):
        raise ValueError(f"the app id must be the bot's Microsoft App ID (a GUID), not {app_id!r}")
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(
            f"Teams opens the checkout only over HTTPS: give an https:// base URL, not {base_url!r}"
        )
    site = f"https://{parts.netloc}{parts.path.rstrip('/')}/"
    manifest = copy.deepcopy(template)
    manifest["id"] = app_id
    manifest["version"] = _app_version(manifest["version"])
    manifest["developer"].update(websiteUrl=site, privacyUrl=site, termsOfUseUrl=site)
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    # The "Send a reward" message extension is served by the same bot.
    for extension in manifest.get("composeExtensions", []):
        extension["botId"] = app_id
    # The checkout dialog (task module) may only load pages from these domains.
    manifest["validDomains"] = [parts.hostname]
    return manifest


def _app_version(default: str) -> str:
    # Teams accepts an uploaded update only with a higher version: follow the installed release.
    try:
        return version("voucherbot")
    except PackageNotFoundError:
        return default
