"""The Teams app manifest and package validate against Microsoft's published manifest schema."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adapters.teams.extension import COMMAND_ID
from adapters.teams.gift_extension import COMMAND_ID as GIFT_COMMAND
from adapters.teams.manifest import TEMPLATE_DIR, build_package
from tests.fake_connector import FIXTURES

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    version = manifest["manifestVersion"]
    schema = json.loads(
        (FIXTURES / "schemas" / f"MicrosoftTeams.v{version}.schema.json").read_text()
    )
    # The schemas say draft-04, but use `const` (draft-06+) for manifestVersion: Draft 7 checks it.
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def png_colour_type(data: bytes) -> int:
    return data[25]


def test_the_template_is_a_valid_manifest_of_its_schema_version() -> None:
    template = json.loads((TEMPLATE_DIR / "manifest.json").read_text())

    assert manifest_errors(template) == []
    assert template["manifestVersion"] == "1.25"


def test_the_package_holds_a_valid_manifest_for_this_bot_and_both_icons(tmp_path: Path) -> None:
    path = build_package(APP_ID, "https://vouchers.example.com/bot", tmp_path / "out" / "app.zip")

    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")

    assert manifest_errors(manifest) == []
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["vouchers.example.com"]
    assert manifest["developer"]["websiteUrl"] == "https://vouchers.example.com/bot/"
    bot = manifest["bots"][0]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == ["vouchers", "vouchers mine", "reward", "gift", "collect", "help"]
    assert (
        bot["supportsFiles"] is True
    )  # bulk rewards: a CSV file sent to the bot in a personal chat
    (extension,) = manifest["composeExtensions"]
    assert extension["botId"] == APP_ID
    reward, gift = extension["commands"]
    assert (reward["id"], reward["type"], reward["title"], reward["fetchTask"]) == (
        COMMAND_ID,
        "action",
        "Send a reward",
        True,
    )
    # "Send a gift" is offered in the message box and on a message (whose author it proposes).
    assert (gift["id"], gift["type"], gift["title"], gift["fetchTask"]) == (
        GIFT_COMMAND,
        "action",
        "Send a gift",
        True,
    )
    assert gift["context"] == ["compose", "commandBox", "message"]
    assert png_size(color) == (192, 192) and png_size(outline) == (32, 32)
    assert png_colour_type(outline) == 6  # RGBA: the outline icon needs a transparent background


def test_the_outline_icon_is_white_on_transparent() -> None:
    import zlib

    data = (TEMPLATE_DIR / "outline.png").read_bytes()
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    rows = [raw[i * (1 + 32 * 4) + 1 : (i + 1) * (1 + 32 * 4)] for i in range(32)]
    pixels = {bytes(row[x * 4 : x * 4 + 4]) for row in rows for x in range(32)}

    assert pixels == {b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"}


@pytest.mark.parametrize(
    ("app_id", "base_url", "problem"),
    [
        ("my-bot", "https://vouchers.example.com", "GUID"),
        (APP_ID, "http://localhost:3978", "HTTPS"),
    ],
)
def test_a_package_for_a_wrong_app_id_or_an_insecure_url_is_refused(
    tmp_path: Path, app_id: str, base_url: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        build_package(app_id, base_url, tmp_path / "app.zip")
    assert not (tmp_path / "app.zip").exists()
