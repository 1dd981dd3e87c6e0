"""Each person's Slack locale is looked up once and remembered, within a bound
(adapters/slack/locales.py)."""

from __future__ import annotations

from typing import Any

from adapters.slack.locales import SlackLocales


class Directory:
    """Answers users.info as Slack does with include_locale, and counts the look-ups."""

    def __init__(self) -> None:
        self.looked_up: list[str] = []

    async def users_info(self, *, user: str, include_locale: bool) -> dict[str, Any]:
        assert include_locale
        self.looked_up.append(user)
        return {"ok": True, "user": {"id": user, "locale": "de-DE", "tz": "Europe/Berlin"}}


async def test_a_person_is_looked_up_once_and_spoken_to_in_their_language() -> None:
    directory, locales = Directory(), SlackLocales(clock=lambda: 0.0)

    first = await locales.of(directory, "T0HARBOUR", "U0ADA")  # type: ignore[arg-type]
    again = await locales.of(directory, "T0HARBOUR", "U0ADA")  # type: ignore[arg-type]

    assert directory.looked_up == ["U0ADA"]
    assert first is again and first.locale.language == "de"


async def test_a_reward_event_to_many_people_keeps_only_the_most_recent_ones() -> None:
    directory, locales = Directory(), SlackLocales(clock=lambda: 0.0, max_people=3)
    for n in range(5):
        await locales.of(directory, "T0HARBOUR", f"U{n}")  # type: ignore[arg-type]
    await locales.of(directory, "T0HARBOUR", "U2")  # type: ignore[arg-type]  # asked about again
    await locales.of(directory, "T0HARBOUR", "U5")  # type: ignore[arg-type]

    assert len(locales) == 3
    await locales.of(directory, "T0HARBOUR", "U2")  # type: ignore[arg-type]  # still known
    await locales.of(directory, "T0HARBOUR", "U3")  # type: ignore[arg-type]  # forgotten
    assert directory.looked_up == ["U0", "U1", "U2", "U3", "U4", "U5", "U3"]
