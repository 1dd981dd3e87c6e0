"""The SCIM User resource as voucherbot keeps it: supported attributes only, and the person HR sees
in it.

Attributes outside these schemas are dropped when stored (a service provider defines which
attributes it supports, RFC 7643 §2), so a resource read back shows exactly what voucherbot keeps.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from core.hris import HrPerson
from core.milestone_calendar import MonthDay

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MILESTONES = "urn:voucherbot:params:scim:schemas:extension:milestones:2.0:User"
SOURCE = "scim"
CORE_ATTRIBUTES = (
    "userName",
    "externalId",
    "displayName",
    "active",
    "timezone",
    "name",
    "emails",
    "addresses",
)
ENTERPRISE_ATTRIBUTES = ("employeeNumber", "department", "manager")
MILESTONE_ATTRIBUTES = ("startDate", "birthday")
# The sub-attributes kept of each complex attribute, and their types (RFC 7643 §4.1).
SUB_ATTRIBUTES: dict[str, dict[str, type]] = {
    "name": {"formatted": str, "givenName": str, "familyName": str},
    "emails[]": {"value": str, "type": str, "primary": bool},
    "addresses[]": {"type": str, "country": str, "primary": bool},
}
_BIRTHDAY = re.compile(r"^(?:\d{4}-|--)?(\d{2})-(\d{2})$")


class BadResource(ValueError):
    """The body is not a User this server accepts; `scim_type` is RFC 7644's scimType for the
    error."""

    def __init__(self, detail: str, scim_type: str = "invalidValue") -> None:
        super().__init__(detail)
        self.scim_type = scim_type


def normalize(body: object) -> dict[str, Any]:
    """The stored form of a User body: checked, supported attributes only, the birthday without its
    year."""
    if not isinstance(body, dict):
        raise BadResource("the body must be a JSON object", "invalidSyntax")
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or USER not in schemas:
        raise BadResource(f"schemas must include {USER}", "invalidSyntax")
    resource = {k: body[k] for k in CORE_ATTRIBUTES if body.get(k) is not None}
    for urn, names in ((ENTERPRISE, ENTERPRISE_ATTRIBUTES), (MILESTONES, MILESTONE_ATTRIBUTES)):
        extension = body.get(urn)
        if extension is not None and not isinstance(extension, dict):
            raise BadResource(f"{urn} must be an object")
        if isinstance(extension, dict):
            kept = {k: extension[k] for k in names if extension.get(k) is not None}
            if kept:
                resource[urn] = kept
    return checked(resource)


def checked(resource: dict[str, Any]) -> dict[str, Any]:
    """Types of what is kept (after a create, replace or patch); raises BadResource."""
    user_name = resource.get("userName")
    if not isinstance(user_name, str) or not user_name.strip() or len(user_name) > 255:
        raise BadResource("userName is required (1 to 255 characters)")
    for name in ("externalId", "displayName", "timezone"):
        if name in resource and not isinstance(resource[name], str):
            raise BadResource(f"{name} must be a string")
    if "active" in resource:
        resource["active"] = _boolean(resource["active"])
    for name in ("emails", "addresses"):
        if name in resource and not (
            isinstance(resource[name], list) and all(isinstance(i, dict) for i in resource[name])
        ):
            raise BadResource(f"{name} must be a list of objects")
        if name in resource:
            resource[name] = [_complex(f"{name}[]", item) for item in resource[name]]
    if "name" in resource and not isinstance(resource["name"], dict):
        raise BadResource("name must be an object")
    if "name" in resource:
        resource["name"] = _complex("name", resource["name"])
    for name in ("employeeNumber", "department"):
        if not isinstance(resource.get(ENTERPRISE, {}).get(name, ""), str):
            raise BadResource(f"{ENTERPRISE}:{name} must be a string")
    manager = resource.get(ENTERPRISE, {}).get("manager")
    if isinstance(manager, str):  # Entra ID's PATCH gives the manager's id as a bare string
        resource[ENTERPRISE]["manager"] = {"value": manager}
    elif isinstance(manager, dict) and isinstance(manager.get("value", ""), str | None):
        resource[ENTERPRISE]["manager"] = {
            k: v for k, v in manager.items() if k == "value" and v is not None
        }
    elif manager is not None:
        raise BadResource("manager must be an object whose value is the manager's id")
    milestones = resource.get(MILESTONES, {})
    if "startDate" in milestones:
        milestones["startDate"] = _date(milestones["startDate"]).isoformat()
    if "birthday" in milestones:
        milestones["birthday"] = f"--{_birthday(milestones['birthday'])}"
    return resource


def _complex(name: str, value: dict[str, Any]) -> dict[str, Any]:
    """A complex attribute's supported sub-attributes, typed; the others are dropped like unknown
    attributes."""
    kept: dict[str, Any] = {}
    for sub, kind in SUB_ATTRIBUTES[name].items():
        item = value.get(sub)
        if item is None:
            continue
        if kind is bool:
            kept[sub] = _boolean(item, f"{name.rstrip('[]')}.{sub}")
        elif isinstance(item, str):
            kept[sub] = item
        else:
            raise BadResource(f"{name.rstrip('[]')}.{sub} must be a string")
    return kept


def person_of(user_id: str, resource: dict[str, Any], active: bool = True) -> HrPerson:
    """The HR record a stored User makes (`active=False` for a deleted one)."""
    milestones = resource.get(MILESTONES, {})
    start = milestones.get("startDate")
    birthday = milestones.get("birthday")
    return HrPerson(
        source=SOURCE,
        person_id=user_id,
        email=_email(resource),
        name=_name(resource),
        start_date=date.fromisoformat(start) if start else None,
        birthday=_birthday(birthday) if birthday else None,
        active=active and resource.get("active", True) is not False,
        country=_country(resource),
        manager_id=str((resource.get(ENTERPRISE, {}).get("manager") or {}).get("value") or ""),
        time_zone=str(resource.get("timezone") or ""),
    )


def schemas_of(resource: dict[str, Any]) -> list[str]:
    return [USER] + [urn for urn in (ENTERPRISE, MILESTONES) if resource.get(urn)]


def _email(resource: dict[str, Any]) -> str:
    emails = [e for e in resource.get("emails", []) if isinstance(e.get("value"), str)]
    chosen = (
        next((e for e in emails if e.get("primary") is True), None)
        or next((e for e in emails if e.get("type") == "work"), None)
        or (emails[0] if emails else None)
    )
    if chosen is not None:
        return str(chosen["value"])
    user_name = str(resource["userName"])
    return user_name if "@" in user_name else ""


def _name(resource: dict[str, Any]) -> str:
    name = resource.get("name") or {}
    given = " ".join(str(name.get(k) or "") for k in ("givenName", "familyName")).strip()
    return str(resource.get("displayName") or name.get("formatted") or given or "")


def _country(resource: dict[str, Any]) -> str:
    addresses = resource.get("addresses", [])
    chosen = next(
        (a for a in addresses if a.get("primary") is True), addresses[0] if addresses else {}
    )
    country = str(chosen.get("country") or "")
    return country if len(country) == 2 else ""


def _boolean(value: object, name: str = "active") -> bool:
    # Entra ID sends "True"/"False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadResource(f"{name} must be true or false")


def _date(value: object) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
        if isinstance(value, str) and len(value) > 10 and value[10] in "Tt":
            return datetime.fromisoformat(
                value
            ).date()  # a dateTime's date part is the day HR means
    except ValueError:
        pass
    raise BadResource(f"{MILESTONES}:startDate must be a date (YYYY-MM-DD)")


def _birthday(value: object) -> MonthDay:
    match = _BIRTHDAY.match(value) if isinstance(value, str) else None
    try:
        if match:
            return MonthDay(int(match.group(1)), int(match.group(2)))
    except ValueError:
        pass
    raise BadResource(
        f"{MILESTONES}:birthday must be --MM-DD (or a date, of which only the day is kept)"
    )
