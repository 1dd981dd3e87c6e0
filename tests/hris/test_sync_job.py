"""The scheduled sync job: an HR system that cannot be read is a warning, and the job carries on."""

from __future__ import annotations

import logging

import pytest

from bot.hris import SyncThenMilestones
from core.hris import HrChanges, HrSync, HrUnavailable
from tests.db.conftest import Backend
from tests.hris.conftest import SlackByEmail, hr_people


class DownHrSystem:
    source = "successfactors"

    async def changes(self, since: str | None) -> HrChanges:
        raise HrUnavailable("SuccessFactors answered 503: COE_GENERAL_SERVER_FAILURE")


async def test_an_unavailable_hr_system_is_logged_as_a_warning_without_a_traceback_and_changes_nothing(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    _, people, _ = hr_people(backend, SlackByEmail())
    store = backend.database.hr_people()
    job = SyncThenMilestones(HrSync(DownHrSystem(), store, people), milestones=None)  # type: ignore[arg-type]

    with caplog.at_level(logging.INFO):
        assert await job() is None

    [record] = [r for r in caplog.records if r.name == "bot.hris"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert await store.cursor("successfactors") is None
    assert job.name == "hris_sync_successfactors"
