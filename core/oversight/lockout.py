"""Sign-in lock-out: the growing delay after wrong passwords, and the counters it is judged on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SignInTally:
    """An account's lock-out counters as read atomically with a change to them."""

    failures: int  # wrong passwords in a row, each counted by one atomic increment
    in_flight: int  # sign-ins of this account whose password is being checked right now (others')
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class Lockout:
    """Sign-in waits after `attempts` wrong passwords in a row: `first_delay`, doubled per failure.

    A growing delay rather than a long fixed lock: a few mistyped passwords cost a minute, an attack
    keeps the account waiting at most `longest` after its latest failure, and the per-address limit
    on the sign-in form stops one client from keeping every account waiting.
    """

    attempts: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(minutes=15)

    def delay(self, failures: int) -> timedelta:
        """How long sign-in waits after the `failures`-th wrong password in a row."""
        if failures < self.attempts:
            return timedelta(0)
        doublings = min(failures - self.attempts, 32)  # 2**32 minutes is past any cap
        return min(self.first_delay * (1 << doublings), self.longest)

    def admits(self, started: SignInTally, now_tally: SignInTally, now: datetime) -> bool:
        """Whether a right password opens a session, judged after the check (itself not counted).

        Attempts still being checked count as failures: 29 wrong passwords sent together with the
        right one lock the account whatever order they are checked in. After a delay has passed, a
        right password is admitted if no failure came and no other attempt ran while it was checked.
        """
        if started.is_locked(now) or now_tally.is_locked(now):
            return False
        pressure = now_tally.failures + now_tally.in_flight
        return pressure < self.attempts or pressure <= started.failures
