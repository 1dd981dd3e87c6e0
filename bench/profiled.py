"""`python -m bench.profiled OUT_DIR MODULE [ARGS ...]`: run a module with cProfile switched by
signals.

`SIGUSR1` starts a fresh profile, `SIGUSR2` stops it and writes `OUT_DIR/<n>.prof` (n = 1, 2, …), so
the benchmark can profile each measured step of a long-lived server on its own (`python -m bench
--profile DIR`). Times are the main thread's CPU time (`time.thread_time`), not wall time: waiting
and other processes on the core are not counted. aiosqlite's worker thread is not in the profiles.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
import time
from pathlib import Path


class Switch:
    def __init__(self, out: Path) -> None:
        self._out = out
        self._profile: cProfile.Profile | None = None
        self._written = 0

    def start(self, *_: object) -> None:
        self._profile = cProfile.Profile(time.thread_time)  # CPU, not wall: the machine is shared
        self._profile.enable()

    def stop(self, *_: object) -> None:
        if self._profile is None:
            return
        self._profile.disable()
        self._written += 1
        path = self._out / f"{self._written}.prof"
        self._profile.dump_stats(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").rename(path)  # appears whole: the bench polls for it
        self._profile = None


def main() -> None:
    out, module, *args = sys.argv[1:]
    Path(out).mkdir(parents=True, exist_ok=True)
    switch = Switch(Path(out))
    signal.signal(signal.SIGUSR1, switch.start)
    signal.signal(signal.SIGUSR2, switch.stop)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
