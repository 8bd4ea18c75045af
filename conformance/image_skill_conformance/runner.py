"""Runs categories' checks, applies a baseline, scores the result and prints the summary."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from image_skill_conformance.checks import Category, Check, CheckFailed, CheckSkipped, Outcome, Status

#: How many of a failing check's last exchanges its repro shows when the check gave none.
REPRO_EXCHANGES = 3


def run_check(ctx: Any, check: Check, body: Callable[[Any], None]) -> Outcome:
    """One check: passed, failed (with a repro) or skipped; an unexpected exception is a failure."""
    mark = ctx.log.mark()
    try:
        body(ctx)
    except CheckSkipped as exc:
        return Outcome(check, Status.SKIPPED, detail=str(exc))
    except CheckFailed as exc:
        return Outcome(check, Status.FAILED, detail=str(exc), repro=exc.repro or _recent(ctx, mark))
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome(
            check,
            Status.FAILED,
            detail=f"{detail} (at {Path(last.filename).name}:{last.lineno})",
            repro=_recent(ctx, mark),
        )
    return Outcome(check, Status.PASSED)


def _recent(ctx: Any, mark: int) -> str:
    return "\n".join(e.repro() for e in ctx.log.since(mark)[-REPRO_EXCHANGES:])


def run_categories(ctx: Any, categories: Iterable[Category], *, stream: TextIO = sys.stderr) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for category in categories:
        started = time.monotonic()
        done = [run_check(ctx, check, body) for check, body in category.entries]
        outcomes += done
        if stream.isatty():
            passed = sum(o.status is Status.PASSED for o in done)
            print(
                f"[{category.name}] {passed}/{len(done)} passed ({time.monotonic() - started:.1f} s)",
                file=stream,
                flush=True,
            )
    return outcomes


def read_baseline(path: Path) -> set[str]:
    """Check ids, one a line; ``#`` starts a comment."""
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.partition("#")[0].strip()
        if entry:
            ids.add(entry)
    return ids


def apply_baseline(outcomes: list[Outcome], baseline: set[str]) -> list[str]:
    """Failed listed checks become baselined, passed listed ones stale; the listed ids no check has."""
    for outcome in outcomes:
        if outcome.check.id not in baseline:
            continue
        if outcome.status is Status.FAILED:
            outcome.status = Status.BASELINED
        elif outcome.status is Status.PASSED:
            outcome.status = Status.STALE
            outcome.detail = (
                "listed in the baseline as an expected failure, but it passes: remove it from the baseline"
            )
    return sorted(baseline - {o.check.id for o in outcomes})


def score(outcomes: list[Outcome]) -> float:
    """Passed checks over the checks that ran (skipped ones do not count), as a percentage."""
    ran = [o for o in outcomes if o.status is not Status.SKIPPED]
    return round(100.0 * sum(o.status is Status.PASSED for o in ran) / len(ran), 1) if ran else 0.0


def exit_status(outcomes: list[Outcome]) -> int:
    """0 only when every check that is not baselined passed (or was skipped)."""
    return 0 if all(o.status in (Status.PASSED, Status.BASELINED, Status.SKIPPED) for o in outcomes) else 1


def summary(outcomes: list[Outcome]) -> str:
    """category → checks → passed → failed → baselined (→ stale, skipped), the failures, and the score."""
    header = ("category", "checks", "passed", "failed", "baselined", "stale", "skipped")
    rows: list[tuple[str, ...]] = [header]
    for name in dict.fromkeys(o.check.category for o in outcomes):
        mine = [o for o in outcomes if o.check.category == name]
        counts = [
            sum(o.status is s for o in mine)
            for s in (Status.PASSED, Status.FAILED, Status.BASELINED, Status.STALE, Status.SKIPPED)
        ]
        rows.append((name, str(len(mine)), *map(str, counts)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    for outcome in outcomes:
        if outcome.status in (Status.FAILED, Status.STALE):
            lines.append(f"{outcome.status.upper()} {outcome.check.id}: {outcome.detail}")
    lines.append(f"score: {score(outcomes)}% of the checks that ran passed")
    return "\n".join(lines)
