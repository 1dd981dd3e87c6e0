"""The Slack channel: Bolt listeners in, Block Kit out, and a ChatSender for the outbox."""

from adapters.slack.app import SlackChannel, build_slack
from adapters.slack.manifest import render_manifest
from adapters.slack.platform import SLACK
from adapters.slack.sender import SlackSender

__all__ = ["SLACK", "SlackChannel", "SlackSender", "build_slack", "render_manifest"]
