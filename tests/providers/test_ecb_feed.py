"""The hourly ECB refresh: a loopback server serves the rates file; failures keep the rates already
held."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.fx import refresh_job
from bot.settings import load_settings
from bot.tls import OutgoingTrust
from core.fx import Rates
from tests.conftest import FIXTURES
from tests.fake_rates import FakeRateSource
from tests.fakes import FixedClock

RATES = (FIXTURES / "fx" / "ecb-eurofxref-daily.xml").read_bytes()


@pytest.fixture
async def ecb() -> AsyncIterator[TestServer]:
    answers = {
        "/stats/eurofxref/eurofxref-daily.xml": RATES,
        "/broken.xml": b"<html>maintenance</html>",
    }

    async def serve(request: web.Request) -> web.Response:
        body = answers.get(request.path)
        return (
            web.Response(body=body, content_type="text/xml") if body else web.Response(status=503)
        )

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def refresh(server: TestServer, path: str, source: FakeRateSource) -> int:
    settings = load_settings(_env_file=None, fx_rates_url=str(server.make_url(path)))
    rates = Rates(source, FixedClock(), timedelta(hours=96))
    ((interval, job),) = refresh_job(settings, rates, OutgoingTrust.of(settings))
    assert (
        interval == 3600 and job.__name__ == "refresh_fx_rates"
    )  # its lease: once across replicas
    return int(await job())


async def test_the_refresh_loads_the_ecb_file_from_the_configured_url(ecb: TestServer) -> None:
    source = FakeRateSource()

    assert await refresh(ecb, "/stats/eurofxref/eurofxref-daily.xml", source) == 5

    assert source.rates[("EUR", "USD")].value == Decimal("1.0850")


@pytest.mark.parametrize("path", ["/broken.xml", "/down"])
async def test_a_bad_or_missing_answer_keeps_the_rates_already_held(
    ecb: TestServer, path: str
) -> None:
    source = FakeRateSource()

    assert await refresh(ecb, path, source) == 0

    assert source.rates == {} and source.puts == 0


def test_without_a_url_there_is_no_refresh_job() -> None:
    settings = load_settings(_env_file=None)
    rates = Rates(FakeRateSource(), FixedClock(), timedelta(hours=96))

    assert refresh_job(settings, rates, OutgoingTrust.of(settings)) == []
