"""Results as Markdown: one section per benchmark (tables, then each target met or not), and the
page."""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Verdict:
    """One target: what was measured against what was asked. `higher_is_better` orients the
    margin."""

    target: str
    measured: float
    limit: float
    higher_is_better: bool
    unit: str = "×"

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit

    def markdown(self) -> str:
        if self.limit == 0:
            return f"| {self.target} | {self.measured:g} | {'met' if self.met else 'NOT met'} |"
        return f"| {self.target} | {self.measured:.2f}{self.unit} | {self._how()} |"

    def _how(self) -> str:
        share = self.measured / self.limit
        if self.higher_is_better:
            return (
                f"met, {(share - 1) * 100:.0f}% above"
                if self.met
                else f"NOT met, short by {(1 - share) * 100:.0f}%"
            )
        return (
            f"met, {(1 - share) * 100:.0f}% below"
            if self.met
            else f"NOT met, {share:.1f}× the limit"
        )


@dataclass
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        parts = [f"### {self.title}", *(t.markdown() for t in self.tables)]
        if self.verdicts:
            head = "| target | measured | verdict |\n|---|---|---|"
            parts.append(head + "\n" + "\n".join(v.markdown() for v in self.verdicts))
        parts += [f"- {note}" for note in self.notes]
        return "\n\n".join(parts)


def machine() -> str:
    cores = os.cpu_count()  # the machine's, not this process's (pinned to one core)
    return (
        f"nproc {cores}, {_cpu_model()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown CPU"


def load_average() -> float:
    """The 1-minute load average: other work on the machine moves every figure."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def page(
    sections: list[Section], command: str, seconds: float, quick: bool, load_before: float
) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        f"Run {stamp}{' (quick)' if quick else ''}: `{command}`, {seconds:.0f} s in all.",
        f"Machine: {machine()}; load average {load_before:.2f} before the run, "
        f"{load_average():.2f} after.",
    ]
    return "\n\n".join([*head, *(s.markdown() for s in sections)])


def write(path: Path, results: str) -> None:
    """Replace what lies between the result markers of `path` (or append them) with `results`."""
    text = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{results}\n{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def command_line() -> str:
    return "python -m bench " + " ".join(sys.argv[1:]) if sys.argv[1:] else "python -m bench"
