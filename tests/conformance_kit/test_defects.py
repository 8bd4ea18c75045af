"""Each deliberate defect of the mock makes the kit fail the right check; a baseline can hold it."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_skill_conformance.mockserver import running_mock

from .conftest import run_kit, statuses

DEFECTS = [
    ("double-debit", "effects", "effects.create-debits-credits-required"),
    ("drop-envelope-key", "envelope", "envelope.seven-keys"),
    ("suggest-unrunnable", "recovery", "recovery.commands-run"),
]


@pytest.mark.parametrize(("defect", "category", "check_id"), DEFECTS)
def test_a_defect_fails_its_check_and_a_baseline_expects_it(
    defect: str, category: str, check_id: str, tmp_path: Path
) -> None:
    with running_mock("--strict", "--defect", defect) as ready:
        status, report = run_kit(
            tmp_path / "plain", "run", "--url", ready["base_url"], "--category", category
        )
        assert status == 1
        found = statuses(report)
        assert found[check_id] == "failed"
        failed = next(c for c in report["checks"] if c["id"] == check_id)
        assert failed["repro"]  # the request(s) or command that show it
        baseline = tmp_path / "baseline.txt"
        failing = [c for c, s in found.items() if s == "failed"]
        baseline.write_text(
            "# known defects of this server\n" + "\n".join(f"{c}  # {defect}" for c in failing) + "\n"
        )
        status, report = run_kit(
            tmp_path / "baselined",
            "run",
            "--url",
            ready["base_url"],
            "--category",
            category,
            "--baseline",
            str(baseline),
        )
    assert status == 0
    assert statuses(report)[check_id] == "baselined"
    assert report["product"]["score"] < 100.0


def test_a_baselined_check_that_passes_is_stale_and_fails_the_run(mock_url: str, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("envelope.trace-id\n")
    status, report = run_kit(
        tmp_path / "out", "run", "--url", mock_url, "--category", "envelope", "--baseline", str(baseline)
    )
    assert status == 1
    assert statuses(report)["envelope.trace-id"] == "stale"
    assert {s for c, s in statuses(report).items() if c != "envelope.trace-id"} == {"passed"}
