"""SCIM discovery (RFC 7644 §4): the User resource type and the schemas of the attributes kept.

Only what voucherbot stores is described, so a client can tell in advance which attributes it may
map; anything else it sends is dropped, as RFC 7643 §2 allows a service provider to do.
"""

from __future__ import annotations

from typing import Any

from adapters.scim.resource import ENTERPRISE, MILESTONES, USER

SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"


def attribute(
    name: str,
    kind: str = "string",
    *,
    required: bool = False,
    multi: bool = False,
    unique: str = "none",
    sub: list[dict[str, Any]] | None = None,
    case_exact: bool = False,
    description: str = "",
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": unique,
    }
    if sub is not None:
        described["subAttributes"] = sub
    return described


USER_ATTRIBUTES = [
    attribute("userName", required=True, unique="server", description="Unique, case-insensitive."),
    attribute("externalId", case_exact=True),
    attribute("displayName"),
    attribute("active", "boolean", description="false makes the employee a leaver."),
    attribute(
        "timezone", description="IANA time zone: milestones fall on the employee's local day."
    ),
    attribute(
        "name",
        "complex",
        sub=[attribute("formatted"), attribute("givenName"), attribute("familyName")],
    ),
    attribute(
        "emails",
        "complex",
        multi=True,
        sub=[attribute("value"), attribute("type"), attribute("primary", "boolean")],
    ),
    attribute(
        "addresses",
        "complex",
        multi=True,
        sub=[attribute("type"), attribute("country"), attribute("primary", "boolean")],
    ),
]
ENTERPRISE_ATTRIBUTES = [
    attribute("employeeNumber"),
    attribute("department"),
    attribute("manager", "complex", sub=[attribute("value", description="The manager's SCIM id.")]),
]
MILESTONE_ATTRIBUTES = [
    attribute(
        "startDate", "dateTime", description="The work anniversary: only the date part is kept."
    ),
    attribute("birthday", description="--MM-DD (a full date is accepted; its year is not kept)."),
]


def schemas(base_url: str) -> list[dict[str, Any]]:
    described = [
        (USER, "User", "User Account", USER_ATTRIBUTES),
        (ENTERPRISE, "EnterpriseUser", "Enterprise User", ENTERPRISE_ATTRIBUTES),
        (MILESTONES, "Milestones", "voucherbot's start date and birthday", MILESTONE_ATTRIBUTES),
    ]
    return [
        {
            "schemas": [SCHEMA],
            "id": urn,
            "name": name,
            "description": description,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"},
        }
        for urn, name, description, attributes in described
    ]


def resource_types(base_url: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Employees",
            "schema": USER,
            "schemaExtensions": [
                {"schema": ENTERPRISE, "required": False},
                {"schema": MILESTONES, "required": False},
            ],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/User"},
        }
    ]
