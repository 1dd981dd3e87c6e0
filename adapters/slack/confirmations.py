"""What a Slack Send click showed, kept with the pending confirmation so a later click shows it
again.

The confirmation itself (the whole request, taken once by the first click) is the core's
(core.confirmations); Slack adds only the rendering of its outcome as Block Kit.
"""

from __future__ import annotations

import json

from adapters.slack.kit import Message


def outcome_json(message: Message) -> str:
    return json.dumps({"text": message.text, "blocks": message.blocks})


def message_of(outcome: str) -> Message:
    data = json.loads(outcome)
    return Message(str(data["text"]), list(data["blocks"]))
