"""Reading a claim out of an inbound body before its signature is checked: never raises."""

from __future__ import annotations

import json
from typing import Any


def json_object(text: str | bytes) -> dict[str, Any]:
    """The JSON object in `text`; {} when it is not JSON, too deep, or not an object."""
    try:
        return mapping(json.loads(text))
    except (ValueError, RecursionError):
        return {}


def mapping(value: object) -> dict[str, Any]:
    """`value` when it is a JSON object, else {}."""
    return value if isinstance(value, dict) else {}
