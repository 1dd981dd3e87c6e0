"""SCIM bodies an identity provider (or an attacker) might send: any of them is a resource or
BadResource."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.scim.patch import PATCH_OP, apply_patch
from adapters.scim.resource import ENTERPRISE, MILESTONES, USER, BadResource, normalize, person_of

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=12,
)
paths = st.sampled_from(
    [
        "userName",
        "displayName",
        "active",
        "emails",
        'emails[type eq "work"].value',
        "emails[primary eq true]",
        "name.givenName",
        "addresses",
        f"{ENTERPRISE}:manager",
        f"{MILESTONES}:startDate",
        f"{MILESTONES}:birthday",
        ENTERPRISE,
        MILESTONES,
        "title",
        'emails[value co "x"]',
        "",
        "[",
        "a.b.c",
    ]
) | st.text(max_size=30)
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Replace", "remove", "move", 3])},
    optional={"path": paths | json_values, "value": json_values},
)
BASE: dict[str, Any] = {
    "userName": "rua@harbour.example",
    "emails": [{"type": "work", "value": "rua@harbour.example"}],
    MILESTONES: {"startDate": "2020-02-29"},
}


@settings(max_examples=400, deadline=None)
@given(st.lists(operations, min_size=1, max_size=4))
def test_any_patch_gives_a_checked_resource_or_a_bad_resource_error(
    ops: list[dict[str, Any]],
) -> None:
    try:
        patched = apply_patch(BASE, {"schemas": [PATCH_OP], "Operations": ops})
    except BadResource:
        return
    person = person_of("u1", patched)  # what a patched resource becomes must be readable too
    assert person.person_id == "u1" and person.source == "scim"


extensions = st.dictionaries(
    st.sampled_from(["manager", "employeeNumber", "startDate", "birthday"]), json_values
)
bodies = st.dictionaries(
    st.sampled_from(
        [
            "userName",
            "active",
            "emails",
            "name",
            "addresses",
            "timezone",
            "externalId",
            ENTERPRISE,
            MILESTONES,
        ]
    ),
    json_values | extensions,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_any_create_body_gives_a_checked_resource_or_a_bad_resource_error(
    body: dict[str, Any],
) -> None:
    try:
        resource = normalize({"schemas": [USER], **body})
    except BadResource:
        return
    person = person_of("u1", resource)
    assert person.person_id == "u1" and person.source == "scim"
