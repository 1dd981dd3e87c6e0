"""The process's clock: the system's, or (for end-to-end tests only) one a test can move forward."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from core.ports import Clock, SystemClock


class ShiftedClock:
    """The system time plus the number of seconds written in a file (none or empty: no shift).

    Lets an end-to-end test make a scheduled gift due without waiting for it; production refuses
    the setting (bot.settings), so a real deployment always runs on SystemClock."""

    def __init__(self, offset_file: Path) -> None:
        self._file = offset_file
        self._system = SystemClock()

    def now(self) -> datetime:
        try:
            text = self._file.read_text().strip()
        except FileNotFoundError:
            text = ""
        return self._system.now() + timedelta(seconds=float(text or 0))


def process_clock(offset_file: Path | None) -> Clock:
    return SystemClock() if offset_file is None else ShiftedClock(offset_file)
