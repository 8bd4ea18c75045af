"""The kit's pieces that need no server: baseline files, scores, exit status, the defect flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_skill_conformance import runner
from image_skill_conformance.checks import Check, Outcome, Status
from image_skill_mock import defects


def _outcome(check_id: str, status: Status) -> Outcome:
    return Outcome(Check(check_id, "c", "a statement", "ref"), status)


def test_baseline_comments_and_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "baseline"
    path.write_text("# expected failures\n\nc.one   # known\n  c.two\n")
    assert runner.read_baseline(path) == {"c.one", "c.two"}


def test_baseline_turns_failures_into_baselined_and_passes_into_stale() -> None:
    outcomes = [
        _outcome("c.fail", Status.FAILED),
        _outcome("c.pass", Status.PASSED),
        _outcome("c.skip", Status.SKIPPED),
    ]
    unknown = runner.apply_baseline(outcomes, {"c.fail", "c.pass", "c.gone"})
    assert [o.status for o in outcomes] == [Status.BASELINED, Status.STALE, Status.SKIPPED]
    assert unknown == ["c.gone"]
    assert runner.exit_status(outcomes) == 1  # stale fails the run
    assert runner.exit_status(outcomes[:1] + outcomes[2:]) == 0
    assert runner.score(outcomes) == 0.0
    assert "STALE c.pass" in runner.summary(outcomes)


def test_defect_flag_is_split_off_and_checked() -> None:
    assert defects.split_argv(["serve", "--defect", "double-debit", "--defect=drop-envelope-key"]) == (
        ["serve"],
        frozenset({"double-debit", "drop-envelope-key"}),
    )
    with pytest.raises(SystemExit):
        defects.split_argv(["serve", "--defect", "no-such-defect"])
