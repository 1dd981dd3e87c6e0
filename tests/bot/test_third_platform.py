"""A third chat platform is one more descriptor: the places that know the platforms take it from the
registry, with no code of theirs changed (issue #13)."""

from __future__ import annotations

import json

import pytest

from adapters.slack import SLACK
from adapters.slack.reward_text import dm_address
from adapters.teams import TEAMS
from adapters.teams.tenants import TenantPeople
from adapters.web.admin.forms import order_query
from bot.build.channels import PLATFORMS
from bot.rewards import approver_address, chat_addresses
from core.approval_requests import parse_approvers
from core.employees import employee_from_row
from core.errors import InvalidRequest
from core.identity import ChatUser, ConversationRef
from core.platforms import (
    ActingPerson,
    AddressFor,
    ChatPlatform,
    person_identity,
    platform_names,
)
from core.ports import TenantEndpoints
from tests.fakes import MemoryTenantEndpoints


def _zulip_chat(realm: str, user_id: str) -> ConversationRef:
    return ConversationRef("zulip", json.dumps({"realm": realm, "user": user_id}))


def _zulip_private_chat(_tenants: TenantEndpoints) -> AddressFor:
    return _zulip_chat


ZULIP = ChatPlatform(
    name="zulip",
    label="Zulip",
    short_label="Zulip",
    inbound_path="/zulip/events",
    acting_person=lambda _body: ActingPerson("", ""),
    private_chat=_zulip_private_chat,
    workspace_of=lambda conversation: json.loads(conversation.address)["realm"],
    person_id=lambda user: user if user.isdigit() else None,
    person_hint="zulip:<user number>",
)
WITH_ZULIP = (*PLATFORMS, ZULIP)
NAMES = platform_names(WITH_ZULIP)
ROW = {"email": "ada@example.com", "name": "Ada", "start_date": "2020-01-02", "platform": "zulip"}


def test_an_employee_row_may_name_any_registered_platform_and_no_other() -> None:
    row = {**ROW, "user_id": "42", "tenant": "acme"}

    employee = employee_from_row(row, platforms=NAMES)

    assert employee.user == ChatUser("zulip", "acme", "42", "Ada")
    with pytest.raises(ValueError, match="platform must be teams or slack, not 'zulip'"):
        employee_from_row(row, platforms=platform_names(PLATFORMS))


def test_approvers_may_be_named_on_any_registered_platform_and_no_other() -> None:
    # the refusal lists the registered platforms in alphabetical order
    assert parse_approvers("zulip:42, slack:U1", NAMES) == ("zulip:42", "slack:U1")
    with pytest.raises(InvalidRequest, match="slack:<user id>,teams:<user id>"):
        parse_approvers("zulip:42", platform_names(PLATFORMS))


def test_the_dashboards_channel_filter_offers_every_registered_platform() -> None:
    query, problems = order_query({"channel": "zulip"}, platforms=NAMES)
    refused, why = order_query({"channel": "zulip"}, platforms=platform_names(PLATFORMS))

    assert (query.platform, problems) == ("zulip", [])
    assert refused.platform == ""
    assert [str(problem) for problem in why] == ["Channel: 'zulip' is not one of teams, slack."]


async def test_rewards_reach_an_approver_through_the_platforms_own_descriptor() -> None:
    tenants = MemoryTenantEndpoints()
    addresses = chat_addresses(tenants, WITH_ZULIP)
    address = approver_address(addresses, None, WITH_ZULIP)

    reached = await address("zulip:42", _zulip_chat("acme", "7"))

    assert sorted(addresses) == ["slack", "teams", "zulip"]
    assert reached == _zulip_chat("acme", "42")  # in the realm of the conversation near the send
    assert await address("zulip:42", dm_address("T1", "U7")) is None  # near is on another platform


def test_slack_and_teams_descriptors_say_where_private_chats_are_and_whose_workspace() -> None:
    tenants = MemoryTenantEndpoints()

    assert SLACK.private_chat is not None and SLACK.private_chat(tenants) is dm_address
    assert SLACK.workspace_of is not None and SLACK.workspace_of(dm_address("T1", "U7")) == "T1"
    assert TEAMS.private_chat is not None and isinstance(TEAMS.private_chat(tenants), TenantPeople)


def test_a_reward_admin_may_be_named_on_any_registered_platform_in_its_own_id_form() -> None:
    assert person_identity("zulip:42", WITH_ZULIP) == "zulip:42"
    assert person_identity("teams:8F1C0D2E-1111-2222-3333-444455556666", WITH_ZULIP) == (
        "teams:8f1c0d2e-1111-2222-3333-444455556666"
    )
    with pytest.raises(ValueError, match="zulip:<user number>"):
        person_identity("zulip:ada", WITH_ZULIP)  # not a Zulip user number
    with pytest.raises(ValueError, match="slack:<user id> or teams:<Entra object id>"):
        person_identity("zulip:42", PLATFORMS)  # Zulip is not a platform this bot runs
