"""The conformance kit against our own mock (started as ``image-skill-mock serve`` subprocesses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from image_skill_conformance.main import main
from image_skill_conformance.mockserver import running_mock

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """A well-behaved mock (``--strict``), shared by a module's tests (each run signs up its own agents)."""
    with running_mock("--strict") as ready:
        yield ready["base_url"]


def run_kit(out: Path, *argv: str) -> tuple[int, dict[str, Any]]:
    """``image-skill-conformance ARGV --output-dir OUT``: its exit status and its JSON report."""
    status = main([*argv, "--output-dir", str(out)])
    return status, json.loads((out / "report.json").read_text(encoding="utf-8"))


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in report["checks"]}
