"""A reward event as HR sends it, for the scale run: the operator's CLI set-up, the HR API's bulk
sends, and the ledger read back from the database afterwards.

The programme, its budget and the HR system's API key are made with `voucherbot` commands; the
rewards go through `POST /api/v1/rewards` (1,000 people a request, the API's maximum), so the
rewards, their budget reservations, audit entries and REWARD_NOTICE messages are the product's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from bench.processes import ROOT
from bench.slack_requests import TEAM

PROGRAMME = "scale-event"
AMOUNT_MINOR = 500  # EUR 5.00 each
PER_REQUEST = 1000  # adapters/web/hr_requests.MAX_RECIPIENTS
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ACCOUNT = "28:bench-bot"


def slack_user(n: int) -> dict[str, str]:
    return {"platform": "slack", "user_id": f"U{n:08d}", "team_id": TEAM}


def teams_user(n: int) -> dict[str, str]:
    # Rewards reach Teams people by Entra object id (a GUID), as HR systems know them.
    return {
        "platform": "teams",
        "user_id": f"00000000-0000-4000-8000-{n:012d}",
        "tenant_id": TENANT,
    }


def recipients(total: int, teams_share: float) -> list[dict[str, str]]:
    """`total` people, every k-th on Teams so each HR request mixes both platforms."""
    teams_every = round(1 / teams_share) if teams_share else 0
    return [
        teams_user(n) if teams_every and n % teams_every == 0 else slack_user(n)
        for n in range(total)
    ]


async def set_up(env: dict[str, str], workdir: Path, budget_minor: int) -> str:
    """Migrate, create the programme, credit its budget and create the HR key (returned)."""
    await _cli(["db", "upgrade"], env, workdir)
    await _cli(
        ["programmes", "create", PROGRAMME, "--name", "Scale event", "--currency", "EUR"],
        env,
        workdir,
    )
    await _cli(
        ["budget", "credit", PROGRAMME, f"{budget_minor // 100}.{budget_minor % 100:02d}"],
        env,
        workdir,
    )
    return (await _cli(["apikeys", "create", "bench-hr"], env, workdir)).strip().splitlines()[-1]


async def _cli(args: list[str], env: dict[str, str], workdir: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=str(workdir),
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"voucherbot {' '.join(args[:2])} failed: {err.decode()[-2000:]}")
    return out.decode()


@dataclass
class Sending:
    """How the HR side went: when the first request left and the last answer came back."""

    started: float = 0.0
    finished: float = 0.0
    requests: int = 0
    sent: int = 0
    failures: list[str] = field(default_factory=list)


async def send_event(
    urls: Sequence[str], key: str, people: list[dict[str, str]], sending: Sending
) -> None:
    """POST /api/v1/rewards in requests of 1,000, one at a time, to the replicas in turn."""
    headers = {"Authorization": f"Bearer {key}"}
    timeout = aiohttp.ClientTimeout(total=600)
    sending.started = time.monotonic()
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
        for n, start in enumerate(range(0, len(people), PER_REQUEST)):
            body = {
                "recipients": people[start : start + PER_REQUEST],
                "amount": f"{AMOUNT_MINOR / 100:.2f}",
                "currency": "EUR",
                "reason": "Thank you for a record year",
                "programme": PROGRAMME,
            }
            url = f"{urls[n % len(urls)]}/api/v1/rewards"
            async with session.post(url, json=body, headers={"Idempotency-Key": f"ev-{n}"}) as r:
                answer = await r.text()
            sending.requests += 1
            if r.status == 201:
                sending.sent += len(json.loads(answer)["rewards"])
            else:
                sending.failures.append(f"{r.status} {answer[:300]}")
    sending.finished = time.monotonic()


@dataclass(frozen=True)
class Ledger:
    """The database afterwards: rewards, their reservations, what the budget shows."""

    rewards: dict[str, int]  # per recipient platform
    rewards_minor: int
    credited_minor: int
    reserved_minor: int
    reserve_entries: int
    rewards_without_one_entry: int
    sent_audits: int
    notices: dict[str, int]  # REWARD_NOTICE outbox messages by status
    reward_ids: dict[str, set[str]]  # per platform

    @property
    def balanced(self) -> bool:
        return (
            self.reserved_minor == self.rewards_minor
            and self.reserve_entries == sum(self.rewards.values())
            and self.rewards_without_one_entry == 0
        )


async def read_ledger(database_url: str) -> Ledger:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT id, recipient_platform, amount_minor FROM rewards")
        ids: dict[str, set[str]] = {}
        for row in rows:
            ids.setdefault(row["recipient_platform"], set()).add(row["id"])
        ledger = await connection.fetch(
            "SELECT kind, count(*) AS n, coalesce(sum(minor), 0) AS minor FROM ledger_entries "
            "WHERE programme_id = $1 GROUP BY kind",
            PROGRAMME,
        )
        kinds = {row["kind"]: (row["n"], row["minor"]) for row in ledger}
        lonely = await connection.fetchval(
            "SELECT count(*) FROM rewards r WHERE (SELECT count(*) FROM ledger_entries l "
            "WHERE l.reward_id = r.id AND l.kind = 'reserve') <> 1"
        )
        audits = await connection.fetchval(
            "SELECT count(*) FROM audit_entries WHERE action = 'reward.sent'"
        )
        outbox = await connection.fetch(
            "SELECT status, count(*) AS n FROM outbox_messages WHERE kind = 'reward_notice' "
            "GROUP BY status"
        )
    finally:
        await connection.close()
    return Ledger(
        rewards={p: len(s) for p, s in ids.items()},
        rewards_minor=sum(row["amount_minor"] for row in rows),
        credited_minor=int(kinds.get("credit", (0, 0))[1]),
        reserved_minor=int(kinds.get("reserve", (0, 0))[1]),
        reserve_entries=int(kinds.get("reserve", (0, 0))[0]),
        rewards_without_one_entry=int(lonely),
        sent_audits=int(audits),
        notices={row["status"]: row["n"] for row in outbox},
        reward_ids=ids,
    )
