"""Paired figures and the one table the bench ends with. Pure: no processes, no clocks, no I/O.

Every ratio is paired: the two sides run alternately in one loop (``alternate``), each round gives
one pair, and the figure is the median of the per-pair ratios (``median_of_ratios``), so load that
drifts during the run falls out of each pair instead of landing on one side. A ratio that the
physics of the comparison rules out (a start-up path cannot start faster than ``python -c pass``,
which it contains) is refused, never printed (``Row.verdict``).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

REFUSED = "refused"


@dataclass(frozen=True)
class Sample:
    """One measurement: ``value`` (seconds of wall time, or a rate) and the CPU seconds it took."""

    value: float
    cpu: float | None = None


@dataclass(frozen=True)
class Paired:
    """Samples of ``ours`` and ``baseline`` taken alternately: ``ours[i]`` and ``baseline[i]`` are a pair."""

    ours: tuple[Sample, ...]
    baseline: tuple[Sample, ...]

    def __post_init__(self) -> None:
        if len(self.ours) != len(self.baseline) or not self.ours:
            raise ValueError("a paired figure needs the same number (> 0) of samples on each side")

    def ratio(self) -> float:
        """The median of the per-pair ratios ours / baseline of the measured values."""
        return median_of_ratios([(o.value, b.value) for o, b in zip(self.ours, self.baseline, strict=True)])

    def cpu_ratio(self) -> float | None:
        """The median of the per-pair CPU ratios, when both sides of every pair have a CPU time > 0."""
        pairs = [(o.cpu, b.cpu) for o, b in zip(self.ours, self.baseline, strict=True)]
        if any(a is None or b is None or b <= 0 for a, b in pairs):
            return None
        return median_of_ratios([(float(a or 0.0), float(b or 0.0)) for a, b in pairs])

    def median(self, side: str) -> Sample:
        """The median value and the median CPU time of one side (``"ours"`` or ``"baseline"``)."""
        samples = self.ours if side == "ours" else self.baseline
        cpus = [s.cpu for s in samples if s.cpu is not None]
        return Sample(statistics.median(s.value for s in samples), statistics.median(cpus) if cpus else None)


def median_of_ratios(pairs: Sequence[tuple[float, float]]) -> float:
    """The median of ``a / b`` over the pairs (never the ratio of two medians)."""
    if not pairs:
        raise ValueError("no pairs")
    if any(b <= 0 for _, b in pairs):
        raise ValueError("a baseline sample is not positive")
    return statistics.median(a / b for a, b in pairs)


def alternate(
    ours: Callable[[], Sample], baseline: Callable[[], Sample], rounds: int, *, warmup: int = 1
) -> Paired:
    """Run the two sides alternately, ``rounds`` pairs after ``warmup`` unrecorded pairs.

    Which side goes first alternates from round to round (ABBA…), so neither side always runs on a
    cache the other just warmed or in the wake of the other's work.
    """
    for _ in range(warmup):
        ours()
        baseline()
    mine: list[Sample] = []
    theirs: list[Sample] = []
    for index in range(rounds):
        if index % 2:
            theirs.append(baseline())
            mine.append(ours())
        else:
            mine.append(ours())
            theirs.append(baseline())
    return Paired(tuple(mine), tuple(theirs))


@dataclass(frozen=True)
class Budget:
    """What ``Row.figure`` must satisfy: ``<= limit`` (a cost), or ``>= limit`` when ``at_least``."""

    limit: float
    at_least: bool = False
    unit: str = "×"

    def met(self, figure: float) -> bool:
        return figure >= self.limit if self.at_least else figure <= self.limit

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.limit:g}{'' if self.unit == '×' else ' '}{self.unit}"


@dataclass(frozen=True)
class Row:
    """One line of the table: metric → ours → baseline → ratio → budget → ok.

    ``figure`` is what the budget is checked against: the ratio unless given (an absolute figure,
    such as MB above idle). ``floor``/``ceiling`` are the physical bounds of the ratio: outside them
    the ratio is noise, so it is refused rather than printed.
    """

    metric: str
    ours: str
    baseline: str = ""
    ratio: float | None = None
    cpu_ratio: float | None = None
    budget: Budget | None = None
    figure: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    skipped: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def refusal(self) -> str | None:
        """Why the ratio is not printed, or None."""
        if self.ratio is None:
            return None
        if self.floor is not None and self.ratio < self.floor:
            return f"below floor {self.floor:g}: machine noise, rerun"
        if self.ceiling is not None and self.ratio > self.ceiling:
            return f"above ceiling {self.ceiling:g}: machine noise, rerun"
        return None

    def checked(self) -> float | None:
        return self.figure if self.figure is not None else self.ratio

    def verdict(self) -> str:
        """``yes``/``no`` against the budget; ``-`` without one; or why there is no verdict."""
        if self.skipped is not None:
            return f"skipped: {self.skipped}"
        refused = self.refusal()
        if refused is not None:
            return f"{REFUSED}: {refused}"
        checked = self.checked()
        if self.budget is None or checked is None:
            return "-"
        return "yes" if self.budget.met(checked) else "no"

    def ratio_text(self) -> str:
        if self.ratio is None:
            return ""
        if self.refusal() is not None:
            return REFUSED
        text = f"{self.ratio:.2f}"
        return text if self.cpu_ratio is None else f"{text} (cpu {self.cpu_ratio:.2f})"

    def as_json(self) -> dict[str, Any]:
        refused = self.refusal() is not None
        return {
            "metric": self.metric,
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": None if refused or self.ratio is None else round(self.ratio, 4),
            "cpu_ratio": None if self.cpu_ratio is None else round(self.cpu_ratio, 4),
            "figure": None if self.figure is None else round(self.figure, 4),
            "budget": None if self.budget is None else str(self.budget),
            "ok": self.verdict(),
            "details": self.details,
        }


HEADER = ("metric", "ours", "baseline", "ratio", "budget", "ok")


def table(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table (the README shows it as printed)."""
    cells = [HEADER] + [
        (r.metric, r.ours, r.baseline, r.ratio_text(), "" if r.budget is None else str(r.budget), r.verdict())
        for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def as_json(rows: Sequence[Row], **meta: Any) -> str:
    return json.dumps({**meta, "rows": [r.as_json() for r in rows]}, indent=2, ensure_ascii=False)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed_text(sample: Sample) -> str:
    """``12.3 ms (cpu 11.0 ms)``: a median wall time with its median CPU time."""
    return ms(sample.value) if sample.cpu is None else f"{ms(sample.value)} (cpu {ms(sample.cpu)})"


def paired_row(
    metric: str,
    paired: Paired,
    *,
    budget: Budget | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
    text: Callable[[Sample], str] = timed_text,
) -> Row:
    """A row from a paired figure: the two sides' medians, the median pair ratio (wall and CPU)."""
    ours, baseline = paired.median("ours"), paired.median("baseline")
    return Row(
        metric,
        text(ours),
        text(baseline),
        ratio=paired.ratio(),
        cpu_ratio=paired.cpu_ratio(),
        budget=budget,
        floor=floor,
        ceiling=ceiling,
        details={
            "pairs": len(paired.ours),
            "ours": [[s.value, s.cpu] for s in paired.ours],
            "baseline": [[s.value, s.cpu] for s in paired.baseline],
        },
    )
