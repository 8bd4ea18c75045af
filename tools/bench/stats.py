"""Paired figures and the one table the bench ends with. Pure: no processes, no clocks, no I/O.

Every ratio is paired: the two sides run alternately in one loop (``alternate``), each round gives
one pair, and the figure is the median of the per-pair ratios (``median_of_ratios``), so load that
drifts during the run falls out of each pair instead of landing on one side. A ratio that the
physics of the comparison rules out (a start-up path cannot start faster than ``python -c pass``,
which it contains) is never printed: past its bound by more than the pairs' noise (a sign test), it
is refused; within it, it is shown as the bound itself, "at floor" (``Row.verdict``).
"""

from __future__ import annotations

import json
import math
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

    def pair_ratios(self) -> tuple[float, ...]:
        """Each pair's ratio ours / baseline, in the order they were taken."""
        return tuple(o.value / b.value for o, b in zip(self.ours, self.baseline, strict=True))

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


#: A median ratio past its physical bound is refused only when the pairs are unlikely to come from a
#: true ratio at the bound: when, with each pair as likely to fall on either side of it, as many of
#: them as fell past it would fall past it less often than this (a one-sided sign test). Otherwise
#: the ratio is shown as the bound itself: a difference the noise hides, as a cost of nothing
#: measures (telemetry on vs off, a path that adds microseconds to a 100 ms process).
NOISE_LEVEL = 0.05


def sign_test(past: int, pairs: int) -> float:
    """The chance that at least ``past`` of ``pairs`` fair coin flips come up the same way."""
    return sum(math.comb(pairs, k) for k in range(past, pairs + 1)) / 2**pairs


@dataclass(frozen=True)
class Row:
    """One line of the table: metric → ours → baseline → ratio → budget → ok.

    ``figure`` is what the budget is checked against: the ratio unless given (an absolute figure,
    such as MB above idle). ``floor``/``ceiling`` are the physical bounds of the ratio: a median past
    one is noise, so it is refused, or, when ``pair_ratios`` say it is within noise of the bound
    (``NOISE_LEVEL``), shown as the bound.
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
    pair_ratios: tuple[float, ...] = ()

    def _past(self) -> tuple[str, float] | None:
        """The bound the median ratio is past ("floor" or "ceiling", and its value), or None."""
        if self.ratio is not None and self.floor is not None and self.ratio < self.floor:
            return "floor", self.floor
        if self.ratio is not None and self.ceiling is not None and self.ratio > self.ceiling:
            return "ceiling", self.ceiling
        return None

    def at_bound(self) -> str | None:
        """ "floor" or "ceiling" when the median is past that bound within the pairs' noise."""
        past = self._past()
        if past is None or not self.pair_ratios:
            return None
        name, bound = past
        beyond = sum(1 for r in self.pair_ratios if (r < bound if name == "floor" else r > bound))
        return name if sign_test(beyond, len(self.pair_ratios)) >= NOISE_LEVEL else None

    def refusal(self) -> str | None:
        """Why the ratio is not printed, or None."""
        past = self._past()
        if past is None or self.at_bound() is not None:
            return None
        name, bound = past
        return f"{'below' if name == 'floor' else 'above'} {name} {bound:g}: machine noise, rerun"

    def shown_ratio(self) -> float | None:
        """The ratio as printed: the median, or the bound it is within noise of."""
        bound = self.at_bound()
        if bound is None:
            return self.ratio
        return self.floor if bound == "floor" else self.ceiling

    def checked(self) -> float | None:
        return self.figure if self.figure is not None else self.shown_ratio()

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
        shown = self.shown_ratio()
        if shown is None:
            return ""
        if self.refusal() is not None:
            return REFUSED
        bound = self.at_bound()
        text = f"{shown:.2f}" if bound is None else f"{shown:.2f} at {bound}"
        return text if self.cpu_ratio is None else f"{text} (cpu {self.cpu_ratio:.2f})"

    def as_json(self) -> dict[str, Any]:
        shown = None if self.refusal() is not None else self.shown_ratio()
        return {
            "metric": self.metric,
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": None if shown is None else round(shown, 4),
            "at_bound": self.at_bound(),
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
        pair_ratios=paired.pair_ratios(),
        details={
            "pairs": len(paired.ours),
            "ours": [[s.value, s.cpu] for s in paired.ours],
            "baseline": [[s.value, s.cpu] for s in paired.baseline],
        },
    )
