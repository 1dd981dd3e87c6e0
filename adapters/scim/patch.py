"""SCIM PATCH (RFC 7644 §3.5.2): add, replace and remove operations on a stored User resource.

Paths: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each optionally prefixed by an
extension URN (`urn:…:enterprise:2.0:User:manager`). A path-less add or replace merges its object
value. Entra ID writes operation names capitalised ("Replace") and booleans as strings; both are
accepted. Attributes this server does not keep are ignored, as when a resource is created.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from adapters.scim.resource import (
    CORE_ATTRIBUTES,
    ENTERPRISE,
    ENTERPRISE_ATTRIBUTES,
    MILESTONE_ATTRIBUTES,
    MILESTONES,
    USER,
    BadResource,
    checked,
)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MULTI_VALUED = frozenset({"emails", "addresses"})
_SUPPORTED = {
    USER: CORE_ATTRIBUTES,
    ENTERPRISE: ENTERPRISE_ATTRIBUTES,
    MILESTONES: MILESTONE_ATTRIBUTES,
}
_PATH = re.compile(
    r"^(?P<attr>[A-Za-z][\w$-]*)(?:\[(?P<filter>[^\]]+)\])?(?:\.(?P<sub>[A-Za-z][\w$-]*))?$"
)
_VALUE_FILTER = re.compile(
    r'^\s*(?P<attr>[A-Za-z][\w$-]*)\s+eq\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*$',
    re.IGNORECASE,
)


def apply_patch(resource: dict[str, Any], body: object) -> dict[str, Any]:
    """The resource after the request's operations, all of them or none (raises BadResource)."""
    schemas = body.get("schemas") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise BadResource(f"schemas must be [{PATCH_OP}]", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise BadResource("Operations must be a non-empty list", "invalidSyntax")
    patched = copy.deepcopy(resource)
    for operation in operations:
        if not isinstance(operation, dict):
            raise BadResource("each operation must be an object", "invalidSyntax")
        _apply(
            patched,
            str(operation.get("op", "")).lower(),
            operation.get("path"),
            operation.get("value"),
        )
    return checked(patched)


def _apply(resource: dict[str, Any], op: str, path: object, value: Any) -> None:
    if op not in ("add", "replace", "remove"):
        raise BadResource(f"op must be add, replace or remove, not {op!r}", "invalidSyntax")
    if path is None or path == "":
        if op == "remove":
            raise BadResource("remove needs a path", "noTarget")
        if not isinstance(value, dict):
            raise BadResource("an operation without a path needs an object value", "invalidValue")
        for key, item in value.items():
            if key in _SUPPORTED and isinstance(
                item, dict
            ):  # a whole extension: its attributes one by one
                for name, sub in item.items():
                    if _readable(f"{key}:{name}"):
                        _apply(resource, op, f"{key}:{name}", sub)
            elif _readable(key):
                _apply(resource, op, key, item)
            # Any other key cannot name an attribute this server keeps: ignored, as unknown
            # attributes are.
        return
    if not isinstance(path, str):
        raise BadResource("path must be a string", "invalidPath")
    extension = next((urn for urn in (ENTERPRISE, MILESTONES) if urn.lower() == path.lower()), None)
    if extension is not None:  # a whole extension as the path: its attributes one by one
        if op == "remove":
            resource.pop(extension, None)
        elif isinstance(value, dict):
            _apply(resource, op, None, {extension: value})
        else:
            raise BadResource(f"{extension} needs an object value", "invalidValue")
        return
    urn, attr, value_filter, sub = _parse(path)
    if attr not in _SUPPORTED[urn]:
        return
    container = resource if urn == USER else resource.setdefault(urn, {})
    if value_filter is not None:
        _on_matching(container, op, attr, value_filter, sub, value)
    elif op == "remove":
        _remove(container, attr, sub)
    elif sub is not None:
        target = container.setdefault(attr, {})
        if not isinstance(target, dict):
            raise BadResource(f"{attr} has no sub-attribute {sub}", "invalidPath")
        target[sub] = value
    elif op == "add" and attr in MULTI_VALUED and isinstance(container.get(attr, []), list):
        container[attr] = [
            *container.get(attr, []),
            *(value if isinstance(value, list) else [value]),
        ]
    elif op == "add" and isinstance(value, dict) and isinstance(container.get(attr), dict):
        container[attr].update(value)
    else:
        container[attr] = value
    if urn != USER and not resource[urn]:
        del resource[urn]


def _parse(path: str) -> tuple[str, str, tuple[str, object] | None, str | None]:
    urn, rest = USER, path
    for known in _SUPPORTED:
        if path.lower().startswith(known.lower() + ":"):
            urn, rest = known, path[len(known) + 1 :]
            break
    match = _PATH.match(rest)
    if match is None:
        raise BadResource(f"cannot read the path {path!r}", "invalidPath")
    attr = _canonical(urn, match.group("attr"))
    value_filter = None
    if match.group("filter") is not None:
        found = _VALUE_FILTER.match(match.group("filter"))
        if found is None:
            raise BadResource(
                f"only `attribute eq value` filters are supported in paths: {path!r}",
                "invalidFilter",
            )
        raw = found.group("value")
        value: object = (
            raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw.lower() == "true"
        )
        value_filter = (found.group("attr"), value)
    return urn, attr, value_filter, match.group("sub")


def _readable(path: str) -> bool:
    try:
        _parse(path)
    except BadResource:
        return False
    return True


def _canonical(urn: str, attr: str) -> str:
    # Attribute names are case-insensitive (RFC 7643 §2.1).
    return next((name for name in _SUPPORTED[urn] if name.lower() == attr.lower()), attr)


def _on_matching(
    container: dict[str, Any],
    op: str,
    attr: str,
    value_filter: tuple[str, object],
    sub: str | None,
    value: Any,
) -> None:
    items = container.get(attr, [])
    if not isinstance(items, list):
        raise BadResource(f"{attr} must be a list of objects", "invalidValue")
    name, wanted = value_filter
    matching = [i for i in items if isinstance(i, dict) and _equal(i.get(name), wanted)]
    if not matching and op == "remove":
        return
    if not matching and op in ("add", "replace"):
        if sub is None:
            raise BadResource(f"no {attr} value matches the filter", "noTarget")
        items.append(
            {name: wanted, sub: value}
        )  # Entra ID adds emails[type eq "work"].value this way
        container[attr] = items
        return
    for item in matching:
        if op == "remove":
            if sub is None:
                items.remove(item)
            else:
                item.pop(sub, None)
        elif sub is None:
            if not isinstance(value, dict):
                raise BadResource(f"replacing a whole {attr} value needs an object", "invalidValue")
            item.clear() if op == "replace" else None
            item.update(value)
        else:
            item[sub] = value
    container[attr] = items


def _equal(actual: object, wanted: object) -> bool:
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual.lower() == wanted.lower()
    return actual == wanted


def _remove(container: dict[str, Any], attr: str, sub: str | None) -> None:
    if sub is None:
        container.pop(attr, None)
    elif isinstance(container.get(attr), dict):
        container[attr].pop(sub, None)
