"""With Bot Framework credentials configured, only requests with a valid Bot Framework token get
in."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import build_teams
from tests.fake_connector import FakeConnector
from tests.teams.conftest import TeamsWorld, fixture_activity

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# Well-formed, unexpired, for our app id, but signed by nobody Bot Framework trusts.
FORGED = ".".join(
    (
        _segment({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
        _segment({"iss": "https://login.example.com", "aud": APP_ID, "exp": 4102444800}),
        "c2lnbmF0dXJl",
    )
)


@pytest.fixture
async def secured(teams: TeamsWorld) -> AsyncIterator[TestClient]:
    channel = build_teams(
        teams.checkout,
        app_id=APP_ID,
        app_password="not-the-real-password",
        public_base_url="https://vouchers.example.com",
    )
    app = web.Application()
    channel.mount(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
    await channel.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", f"Bearer {FORGED}", FORGED],
    ids=["no token", "malformed token", "forged token", "no Bearer scheme"],
)
async def test_a_request_without_a_valid_token_is_refused(
    secured: TestClient, connector: FakeConnector, teams: TeamsWorld, authorization: str | None
) -> None:
    activity = {
        **fixture_activity("message.personal.botbuilder_js_recording"),
        "serviceUrl": connector.url,
        "text": "vouchers",
    }
    headers = {"Authorization": authorization} if authorization else {}

    response = await secured.post("/api/messages", json=activity, headers=headers)

    assert response.status == 401
    assert connector.calls == []


async def test_emulator_mode_needs_no_token(teams: TeamsWorld) -> None:
    response = await teams.post(teams.personal("vouchers"))

    assert response.status == 201
    assert len(teams.connector.delivered()) == 1


@pytest.mark.parametrize(
    ("app_type", "tenant_id", "problem"),
    [
        ("Multi", "", "must be one of MultiTenant, SingleTenant, UserAssignedMSI"),
        ("SingleTenant", "", "SingleTenant bot needs both its app id and its tenant id"),
    ],
)
def test_an_impossible_credential_setup_is_refused_at_start_up(
    teams: TeamsWorld, app_type: str, tenant_id: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        build_teams(
            teams.checkout,
            app_id=APP_ID,
            app_password="pw",
            tenant_id=tenant_id,
            app_type=app_type,
            public_base_url="https://vouchers.example.com",
        )
