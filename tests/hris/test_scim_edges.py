"""Requests schemathesis found answered wrongly by the SCIM server (each was a 500, or a 400 the
schema allows)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.hris.conftest import SCIM_TOKEN, HrSide
from tests.hris.test_scim_compliance import ENTERPRISE, PATCH, created, marin, patch

HEADERS = {"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"}


async def raw(hr: HrSide, method: str, path: str, data: bytes) -> tuple[int, Any]:
    async with hr.client.request(method, f"/scim/v2{path}", data=data, headers=HEADERS) as response:
        return response.status, await response.json(content_type=None)


async def test_deeply_nested_json_to_every_write_is_a_400_not_a_500(hr: HrSide) -> None:
    user = await created(hr)
    for depth in (40, 900, 100_000):
        nested = b"[" * depth + b"]" * depth
        in_an_attribute = (
            b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "deep",'
            b' "name": {"givenName": ' + nested + b"}}"
        )
        in_a_patch = (
            b'{"schemas": ["' + PATCH.encode() + b'"], "Operations": [{"op": "add", "path": "name",'
            b' "value": {"givenName": ' + nested + b"}}]}"
        )
        answers = [
            await raw(hr, "POST", "/Users", nested),
            await raw(hr, "POST", "/Users", in_an_attribute),
            await raw(hr, "PUT", f"/Users/{user['id']}", in_an_attribute),
            await raw(hr, "PATCH", f"/Users/{user['id']}", in_a_patch),
        ]
        assert [status for status, _ in answers] == [400, 400, 400, 400], (depth, answers)


async def test_a_patch_whose_schemas_is_not_a_list_is_a_400(hr: HrSide) -> None:
    user = await created(hr)

    status, body, _ = await hr.scim(
        "PATCH", f"/Users/{user['id']}", {"schemas": True, "Operations": []}
    )

    assert (status, body["scimType"]) == (400, "invalidSyntax")


async def test_a_start_index_past_any_database_offset_is_an_empty_page(hr: HrSide) -> None:
    await created(hr)

    status, body, _ = await hr.scim(
        "GET", "/Users?startIndex=458663081201313819254880993280&count=5"
    )

    assert (status, body["totalResults"], body["Resources"]) == (200, 1, [])


async def test_a_lone_surrogate_in_a_filter_or_a_body_is_a_400(hr: HrSide) -> None:
    in_filter = await hr.scim("GET", "/Users?filter=userName%20eq%20%22%5CuDd06%22")
    in_body = await raw(
        hr,
        "POST",
        "/Users",
        b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "\\ud800"}',
    )

    assert (in_filter[0], in_filter[1]["scimType"]) == (400, "invalidFilter")
    assert in_body[0] == 400


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/Users", "GET, POST"),
        ("/Users/abc", "GET, PUT, PATCH, DELETE"),
        ("/Schemas", "GET"),
        ("/ServiceProviderConfig", "GET"),
    ],
)
async def test_a_method_an_endpoint_does_not_take_is_a_405_that_says_which_it_does(
    hr: HrSide, path: str, allow: str
) -> None:
    status, body, headers = await hr.scim("TRACE", path)

    assert (status, headers.get("Allow"), body["status"]) == (405, allow, "405")


async def test_sub_attributes_are_typed_and_those_not_kept_are_dropped(hr: HrSide) -> None:
    manager_not_text = await hr.scim(
        "POST", "/Users", marin(**{ENTERPRISE: {"manager": {"value": {}}}})
    )
    extension_not_object = await hr.scim("POST", "/Users", marin(**{ENTERPRISE: "7001"}))
    department_not_text = await hr.scim("POST", "/Users", marin(**{ENTERPRISE: {"department": {}}}))
    given_name_not_text = await hr.scim("POST", "/Users", marin(name={"givenName": ["Marin"]}))
    user = await created(
        hr,
        name={"givenName": "Marin", "middleName": "X", "honorificPrefix": "Dr"},
        emails=[{"value": "m@harbour.example", "primary": "True", "display": "M"}],
    )

    assert [
        r[0]
        for r in (manager_not_text, extension_not_object, department_not_text, given_name_not_text)
    ] == [400, 400, 400, 400]
    assert user["name"] == {"givenName": "Marin"}
    assert user["emails"] == [{"value": "m@harbour.example", "primary": True}]


async def test_a_pathless_patch_ignores_keys_that_name_no_attribute_kept(hr: HrSide) -> None:
    user = await created(hr)

    status, body, _ = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "add", "value": {"\r\u00f9": {"x": 1}, "displayName": "Marin O."}},
            {
                "op": "replace",
                "path": ENTERPRISE,
                "value": {"\u0014\u0007": 1, "employeeNumber": "7002"},
            },
        ),
    )

    assert status == 200, body
    assert (body["displayName"], body[ENTERPRISE]["employeeNumber"]) == ("Marin O.", "7002")


async def test_a_start_date_is_a_date_or_a_date_time_not_any_text_that_begins_with_one(
    hr: HrSide,
) -> None:
    milestones = "urn:voucherbot:params:scim:schemas:extension:milestones:2.0:User"
    trailing = await hr.scim(
        "POST", "/Users", marin(**{milestones: {"startDate": "2019-03-04 and then some"}})
    )
    date_time = await created(hr, **{milestones: {"startDate": "2019-03-04T00:00:00Z"}})

    assert trailing[0] == 400
    assert date_time[milestones]["startDate"] == "2019-03-04"
