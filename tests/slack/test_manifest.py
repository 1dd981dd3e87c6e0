"""The Slack app manifest: valid against Slack's published schema, least privilege, right URLs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from adapters.slack.manifest import BOT_SCOPES, TEMPLATE, render_manifest
from tests.slack.conftest import FIXTURES

SCHEMAS = FIXTURES.parent / "schemas"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def manifest_validator() -> Draft7Validator:
    """Slack's root manifest schema, with its per-version $refs served from the local copies."""

    def load(name: str) -> Any:
        return json.loads((SCHEMAS / name).read_text())

    registry = Registry().with_resources(
        (
            REMOTE + f"manifest.schema.{v}.json",
            Resource.from_contents(load(f"slack-manifest.schema.{v}.json")),
        )
        for v in ("1.0.0", "2.0.0")
    )
    return Draft7Validator(load("slack-manifest.schema.json"), registry=registry)


def errors_of(manifest: Any) -> list[str]:
    return [e.message for e in manifest_validator().iter_errors(manifest)]


def test_the_validator_refuses_slacks_own_invalid_example() -> None:
    invalid = json.loads(
        (FIXTURES / "manifests" / "manifest-schema-test.v1.invalid.json").read_text()
    )

    assert errors_of(invalid)


def test_the_rendered_manifest_is_valid() -> None:
    manifest = yaml.safe_load(render_manifest("https://vouchers.example.com/"))

    assert errors_of(manifest) == []


def test_every_request_url_points_at_the_one_events_endpoint() -> None:
    manifest = yaml.safe_load(render_manifest("https://vouchers.example.com"))
    events = "https://vouchers.example.com/slack/events"

    assert {c["command"]: c["url"] for c in manifest["features"]["slash_commands"]} == {
        "/vouchers": events,
        "/reward": events,
    }
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": events,
        "message_menu_options_url": events,
    }
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://vouchers.example.com/slack/oauth_redirect"
    ]
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    manifest = yaml.safe_load(render_manifest("https://vouchers.example.com"))

    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert BOT_SCOPES == (
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "users:read.email",
        "usergroups:read",
        "channels:read",
        "groups:read",
        "files:read",
    )
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_the_home_tab_and_its_event_are_enabled() -> None:
    manifest = yaml.safe_load(render_manifest("https://vouchers.example.com"))

    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "file_shared",
    ]


def test_a_socket_mode_manifest_has_no_request_urls_and_is_valid() -> None:
    manifest = yaml.safe_load(render_manifest("https://vouchers.example.com", socket_mode=True))

    assert errors_of(manifest) == []
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def test_rendering_fills_in_every_placeholder_of_the_template() -> None:
    template = yaml.safe_load(Path(TEMPLATE).read_text())
    rendered = yaml.safe_load(render_manifest("https://a.example"))

    assert sum("{PUBLIC_BASE_URL}" in s for s in strings(template)) == 6
    assert not any("{PUBLIC_BASE_URL}" in s for s in strings(rendered))


def test_a_base_url_without_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="must start with https://"):
        render_manifest("vouchers.example.com")
