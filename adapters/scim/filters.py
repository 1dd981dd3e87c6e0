"""The SCIM list filters this server answers (RFC 7644 §3.4.2.2): `userName eq "…"` and `externalId
eq "…"`.

Those are what Entra ID and Okta send to match a user before creating it; any other filter is
refused with 400 invalidFilter rather than answered wrongly.
"""

from __future__ import annotations

import json
import re

FILTERABLE = {"username": "userName", "externalid": "externalId"}
_EQ = re.compile(
    r"^\s*(?:urn:ietf:params:scim:schemas:core:2\.0:User:)?(?P<attr>\w+)\s+eq\s+"
    r'(?P<value>"(?:[^"\\]|\\.)*")\s*$',
    re.IGNORECASE,
)


class BadFilter(ValueError):
    """A filter this server cannot answer."""


def parse_filter(text: str | None) -> tuple[str | None, str]:
    """(attribute, value) for a supported filter; (None, "") for none at all."""
    if text is None or not text.strip():
        return None, ""
    match = _EQ.match(text)
    attribute = FILTERABLE.get(match.group("attr").lower()) if match else None
    if match is None or attribute is None:
        raise BadFilter('only userName eq "…" and externalId eq "…" filters are supported')
    try:
        value = json.loads(match.group("value"))
        value.encode()  # a lone surrogate (\ud800) is no text a database can hold
    except ValueError:
        raise BadFilter("the filter's value is not a valid string") from None
    return attribute, value
