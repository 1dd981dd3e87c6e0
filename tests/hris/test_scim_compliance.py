"""SCIM 2.0 compliance run (RFC 7644 §3): the standard operations against the real server and
database.

Payloads follow what Microsoft Entra ID's provisioning service sends (its SCIM reference), including
its capitalised PATCH ops and string booleans.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import jsonschema

from core.identity import ChatUser
from core.milestone_calendar import MonthDay
from core.money import Money
from core.reward_sends import SendRewards
from core.rewards import Recipient
from tests.hris.conftest import KUDOS, TEAM, HrSide

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MILESTONES = "urn:voucherbot:params:scim:schemas:extension:milestones:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def marin(**extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER, ENTERPRISE, MILESTONES],
        "externalId": "00u1marin",
        "userName": "Marin.Okafor@harbour.example",
        "active": True,
        "displayName": "Marin Okafor",
        "name": {"givenName": "Marin", "familyName": "Okafor"},
        "emails": [{"primary": True, "type": "work", "value": "marin.okafor@harbour.example"}],
        "addresses": [{"type": "work", "country": "NZ", "primary": True}],
        "timezone": "Pacific/Auckland",
        "title": "Harbourmaster",  # not kept: voucherbot does not support it
        ENTERPRISE: {"employeeNumber": "7001", "manager": {"value": "mgr-42"}},
        MILESTONES: {"startDate": "2019-03-04", "birthday": "1988-07-21"},
        **extra,
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


async def created(hr: HrSide, **extra: Any) -> dict[str, Any]:
    status, body, _ = await hr.scim("POST", "/Users", marin(**extra))
    assert status == 201, body
    return body


async def test_create_returns_the_stored_user_with_location_and_etag_and_makes_an_employee(
    hr: HrSide,
) -> None:
    status, body, headers = await hr.scim("POST", "/Users", marin())

    assert status == 201
    assert headers["Content-Type"].startswith("application/scim+json")
    assert (
        headers["Location"]
        == f"https://vb.example/scim/v2/Users/{body['id']}"
        == body["meta"]["location"]
    )
    assert headers["ETag"] == body["meta"]["version"] == 'W/"1"'
    assert body["schemas"] == [USER, ENTERPRISE, MILESTONES]
    assert body["userName"] == "Marin.Okafor@harbour.example"
    assert "title" not in body
    assert body[MILESTONES] == {
        "startDate": "2019-03-04",
        "birthday": "--07-21",
    }  # the year is not kept
    employee = await hr.employee("marin.okafor@harbour.example")
    assert (employee.name, employee.start_date, employee.birthday) == (
        "Marin Okafor",
        date(2019, 3, 4),
        MonthDay(7, 21),
    )
    assert (
        employee.source,
        employee.person_id,
        employee.country,
        employee.manager_id,
        employee.time_zone,
    ) == ("scim", body["id"], "NZ", "mgr-42", "Pacific/Auckland")


async def test_get_returns_the_user_and_a_matching_if_none_match_gets_304(hr: HrSide) -> None:
    user = await created(hr)

    status, body, headers = await hr.scim("GET", f"/Users/{user['id']}")
    unchanged = await hr.scim(
        "GET", f"/Users/{user['id']}", headers={"If-None-Match": headers["ETag"]}
    )
    missing = await hr.scim("GET", "/Users/no-such-user")

    assert status == 200 and body == user
    assert unchanged[0] == 304
    assert missing[0] == 404
    assert missing[1]["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert missing[1]["status"] == "404"


async def test_list_filters_by_username_case_insensitively_and_by_external_id(hr: HrSide) -> None:
    user = await created(hr)
    await created(
        hr,
        userName="tui@harbour.example",
        externalId="00u2tui",
        emails=[{"primary": True, "value": "tui@harbour.example"}],
    )

    by_name = await hr.scim("GET", '/Users?filter=userName eq "marin.okafor@HARBOUR.example"')
    by_external = await hr.scim("GET", '/Users?filter=externalId eq "00u2tui"')
    nobody = await hr.scim("GET", '/Users?filter=userName eq "nobody@harbour.example"')
    everyone = await hr.scim("GET", "/Users?startIndex=2&count=1")

    assert by_name[0] == 200
    assert by_name[1]["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert by_name[1]["totalResults"] == 1 and by_name[1]["Resources"][0]["id"] == user["id"]
    assert [r["userName"] for r in by_external[1]["Resources"]] == ["tui@harbour.example"]
    assert nobody[1]["totalResults"] == 0 and nobody[1]["Resources"] == []
    assert (
        everyone[1]["totalResults"],
        everyone[1]["startIndex"],
        everyone[1]["itemsPerPage"],
    ) == (2, 2, 1)


async def test_an_unsupported_filter_is_refused_with_invalid_filter(hr: HrSide) -> None:
    status, body, _ = await hr.scim("GET", '/Users?filter=displayName co "Marin"')

    assert status == 400 and body["scimType"] == "invalidFilter"


async def test_replace_stores_the_new_resource_and_bumps_the_etag(hr: HrSide) -> None:
    user = await created(hr)
    replacement = marin(
        displayName="Marin Okafor-Reid", **{MILESTONES: {"startDate": "2019-03-05"}}
    )

    status, body, headers = await hr.scim("PUT", f"/Users/{user['id']}", replacement)

    assert status == 200 and headers["ETag"] == 'W/"2"'
    assert body["displayName"] == "Marin Okafor-Reid"
    assert body[MILESTONES] == {"startDate": "2019-03-05"}  # replaced, so the birthday is gone
    employee = await hr.employee("marin.okafor@harbour.example")
    assert (employee.name, employee.start_date, employee.birthday) == (
        "Marin Okafor-Reid",
        date(2019, 3, 5),
        None,
    )


async def test_patch_adds_replaces_and_removes_attributes(hr: HrSide) -> None:
    user = await created(hr)

    status, body, headers = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "Add", "path": 'emails[type eq "home"].value', "value": "marin@home.example"},
            {"op": "Replace", "path": "displayName", "value": "Marin O."},
            {
                "op": "Add",
                "path": f"{ENTERPRISE}:manager",
                "value": "mgr-77",
            },  # Entra ID: a bare id
            {"op": "remove", "path": f"{MILESTONES}:birthday"},
            {"op": "add", "value": {"timezone": "Europe/Lisbon", "name.givenName": "Marina"}},
        ),
    )

    assert status == 200 and headers["ETag"] == 'W/"2"'
    assert body["displayName"] == "Marin O."
    assert {"type": "home", "value": "marin@home.example"} in body["emails"]
    assert body[ENTERPRISE]["manager"] == {"value": "mgr-77"}
    assert body[MILESTONES] == {"startDate": "2019-03-04"}
    assert body["timezone"] == "Europe/Lisbon" and body["name"]["givenName"] == "Marina"
    employee = await hr.employee(
        "marin.okafor@harbour.example"
    )  # the primary work email still wins
    assert (employee.name, employee.manager_id, employee.birthday, employee.time_zone) == (
        "Marin O.",
        "mgr-77",
        None,
        "Europe/Lisbon",
    )


async def test_a_patch_that_breaks_the_resource_changes_nothing(hr: HrSide) -> None:
    user = await created(hr)

    removed_name = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "replace", "path": "displayName", "value": "Should not stick"},
            {"op": "remove", "path": "userName"},
        ),
    )
    bad_op = await hr.scim("PATCH", f"/Users/{user['id']}", patch({"op": "move", "path": "active"}))
    no_target = await hr.scim("PATCH", f"/Users/{user['id']}", patch({"op": "remove"}))
    after = await hr.scim("GET", f"/Users/{user['id']}")

    assert removed_name[0] == bad_op[0] == no_target[0] == 400
    assert no_target[1]["scimType"] == "noTarget"
    assert after[1]["displayName"] == "Marin Okafor" and after[2]["ETag"] == 'W/"1"'


async def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(hr: HrSide) -> None:
    user = await created(hr)
    first = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch({"op": "replace", "path": "displayName", "value": "Marin First"}),
        headers={"If-Match": 'W/"1"'},
    )

    stale_patch = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch({"op": "replace", "path": "displayName", "value": "Marin Stale"}),
        headers={"If-Match": 'W/"1"'},
    )
    stale_put = await hr.scim("PUT", f"/Users/{user['id']}", marin(), headers={"If-Match": 'W/"1"'})
    stale_delete = await hr.scim("DELETE", f"/Users/{user['id']}", headers={"If-Match": 'W/"1"'})
    after = await hr.scim("GET", f"/Users/{user['id']}")

    assert first[0] == 200
    assert stale_patch[0] == stale_put[0] == stale_delete[0] == 412
    assert after[1]["displayName"] == "Marin First"


async def test_a_taken_username_is_a_409_uniqueness_conflict(hr: HrSide) -> None:
    await created(hr)

    status, body, _ = await hr.scim(
        "POST", "/Users", marin(userName="MARIN.OKAFOR@harbour.example")
    )

    assert status == 409 and body["scimType"] == "uniqueness"


async def test_requests_without_the_bearer_token_are_refused(hr: HrSide) -> None:
    missing = await hr.scim("GET", "/Users", token=None)
    wrong = await hr.scim("POST", "/Users", marin(), token="not-the-token")

    assert missing[0] == wrong[0] == 401
    assert missing[2]["WWW-Authenticate"].startswith("Bearer")
    assert (await hr.scim("GET", "/Users"))[1]["totalResults"] == 0


async def test_bad_bodies_get_400_never_500(hr: HrSide) -> None:
    not_user = await hr.scim("POST", "/Users", {"schemas": ["urn:x"], "userName": "x"})
    no_name = await hr.scim("POST", "/Users", {"schemas": [USER]})
    bad_date = await hr.scim("POST", "/Users", marin(**{MILESTONES: {"startDate": "last spring"}}))
    bad_active = await hr.scim("POST", "/Users", marin(active="maybe"))
    not_json = await hr.client.post(
        "/scim/v2/Users",
        data=b"{",
        headers={
            "Authorization": "Bearer scim-token-for-tests-0123456789abcdef",
            "Content-Type": "application/scim+json",
        },
    )

    deep = await hr.client.post(
        "/scim/v2/Users",
        data=b"[" * 200_000,
        headers={
            "Authorization": "Bearer scim-token-for-tests-0123456789abcdef",
            "Content-Type": "application/scim+json",
        },
    )

    assert [r[0] for r in (not_user, no_name, bad_date, bad_active)] == [400, 400, 400, 400]
    assert not_json.status == 400 and deep.status == 400


async def test_deactivating_a_user_makes_a_leaver_whose_unspent_reward_is_cancelled_and_released(
    hr: HrSide,
) -> None:
    user = await created(hr)
    hr.slack.members["marin.okafor@harbour.example"] = "U0MARIN"
    recipient = await _reached(hr)
    await hr.recognition.sender.send_trusted(
        SendRewards(
            ChatUser("system", "", "milestones", "HR"),
            (recipient,),
            Money(5_000, "USD"),
            "Five years",
            KUDOS.id,
            "reward-marin-1",
        )
    )

    status, body, _ = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch({"op": "Replace", "path": "active", "value": "False"}),
    )

    assert status == 200 and body["active"] is False
    employee = await hr.employee("marin.okafor@harbour.example")
    assert employee.active is False
    [reward] = await hr.rewards_of(f"slack:{TEAM}:U0MARIN")
    assert reward.status == "cancelled"
    assert await hr.recognition.budgets.budget(KUDOS.id) == Money(100_000, "USD")


async def test_deleting_a_user_removes_it_and_deactivates_the_employee(hr: HrSide) -> None:
    user = await created(hr)

    status, _, _ = await hr.scim("DELETE", f"/Users/{user['id']}")
    gone = await hr.scim("GET", f"/Users/{user['id']}")

    assert status == 204 and gone[0] == 404
    assert (await hr.employee("marin.okafor@harbour.example")).active is False


async def test_the_service_provider_config_says_patch_filter_and_etags_are_supported(
    hr: HrSide,
) -> None:
    status, body, _ = await hr.scim("GET", "/ServiceProviderConfig")

    assert status == 200
    assert body["patch"]["supported"] and body["filter"]["supported"] and body["etag"]["supported"]
    assert not body["bulk"]["supported"]


async def _reached(hr: HrSide) -> Recipient:
    found = await hr.slack.find_by_email("marin.okafor@harbour.example")
    assert found is not None
    return found


async def test_discovery_describes_the_user_resource_type_and_the_schemas_of_what_is_kept(
    hr: HrSide,
) -> None:
    types = await hr.scim("GET", "/ResourceTypes")
    user_type = await hr.scim("GET", "/ResourceTypes/User")
    all_schemas = await hr.scim("GET", "/Schemas")
    milestones = await hr.scim("GET", f"/Schemas/{MILESTONES}")
    unknown = await hr.scim("GET", "/Schemas/urn:nothing")

    assert types[1]["totalResults"] == 1 and user_type[1]["endpoint"] == "/Users"
    assert [e["schema"] for e in user_type[1]["schemaExtensions"]] == [ENTERPRISE, MILESTONES]
    assert [s["id"] for s in all_schemas[1]["Resources"]] == [USER, ENTERPRISE, MILESTONES]
    assert [a["name"] for a in milestones[1]["attributes"]] == ["startDate", "birthday"]
    assert unknown[0] == 404


async def test_a_patch_may_name_a_whole_extension_as_its_path(hr: HrSide) -> None:
    user = await created(hr)

    replaced = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "replace", "path": ENTERPRISE, "value": {"employeeNumber": "7002"}},
            {"op": "remove", "path": MILESTONES},
        ),
    )

    assert replaced[0] == 200
    assert replaced[1][ENTERPRISE] == {"employeeNumber": "7002", "manager": {"value": "mgr-42"}}
    assert MILESTONES not in replaced[1] and replaced[1]["schemas"] == [USER, ENTERPRISE]


async def test_unknown_endpoints_and_methods_get_scim_errors(hr: HrSide) -> None:
    unknown = await hr.scim("GET", "/Groups")
    wrong_method = await hr.scim("POST", "/Schemas", {"schemas": [USER]})

    assert unknown[0] == 404 and unknown[1]["schemas"] == [
        "urn:ietf:params:scim:api:messages:2.0:Error"
    ]
    assert wrong_method[0] == 405 and wrong_method[1]["status"] == "405"


async def test_patches_that_make_nonsense_of_a_list_are_refused_not_crashed(hr: HrSide) -> None:
    user = await created(hr)

    spoiled = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "replace", "path": "emails", "value": "not-a-list"},
            {"op": "add", "path": 'emails[type eq "work"].value', "value": "x@harbour.example"},
        ),
    )
    appended = await hr.scim(
        "PATCH",
        f"/Users/{user['id']}",
        patch(
            {"op": "replace", "path": "addresses", "value": 7},
            {"op": "add", "path": "addresses", "value": {"country": "NZ"}},
        ),
    )

    assert spoiled[0] == appended[0] == 400


async def test_two_racing_patches_with_the_same_etag_one_wins_and_the_other_gets_412(
    hr: HrSide,
) -> None:
    user = await created(hr)

    answers = await asyncio.gather(
        *(
            hr.scim(
                "PATCH",
                f"/Users/{user['id']}",
                patch({"op": "replace", "path": "displayName", "value": name}),
                headers={"If-Match": 'W/"1"'},
            )
            for name in ("Marin A", "Marin B", "Marin C")
        )
    )

    assert sorted(a[0] for a in answers) == [200, 412, 412]
    winner = next(a[1]["displayName"] for a in answers if a[0] == 200)
    after = await hr.scim("GET", f"/Users/{user['id']}")
    assert after[1]["displayName"] == winner and after[2]["ETag"] == 'W/"2"'


async def test_the_openapi_document_is_valid_and_describes_every_scim_route(hr: HrSide) -> None:
    from openapi_spec_validator import validate

    status, document, _ = await hr.scim("GET", "/openapi.json", token=None)
    routes = {
        r.resource.canonical
        for r in hr.client.app.router.routes()
        if r.resource is not None and "{unknown" not in r.resource.canonical
    }

    assert status == 200
    validate(document)
    assert set(document["paths"]) == routes - {"/scim/v2/openapi.json"}
    user = await created(hr)
    listed = await hr.scim("GET", "/Users")
    jsonschema.validate(user, document["components"]["schemas"]["User"])
    jsonschema.validate(listed[1], document["components"]["schemas"]["ListResponse"])


async def test_a_push_whose_employee_update_was_lost_is_healed_by_the_reconcile_pass(
    hr: HrSide,
) -> None:
    from adapters.scim.reconcile import ScimReconcile

    user = await created(hr)
    await created(
        hr,
        userName="tui@harbour.example",
        externalId="00u2tui",
        emails=[{"primary": True, "value": "tui@harbour.example"}],
    )
    await hr.backend.execute_raw(
        "DELETE FROM employees WHERE email = 'marin.okafor@harbour.example'"
    )

    healed = await ScimReconcile(hr.backend.database.pushed_users(), hr.people)()
    again = await ScimReconcile(hr.backend.database.pushed_users(), hr.people)()

    assert healed.added == ["marin.okafor@harbour.example"] and healed.unchanged == 1
    assert (again.added, again.updated, again.unchanged) == ([], [], 2)
    assert (await hr.employee("marin.okafor@harbour.example")).person_id == user["id"]
