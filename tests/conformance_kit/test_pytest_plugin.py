"""pytest plugin mode: the option runs the checks as tests; without it nothing is collected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _pytest(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "suite").mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--rootdir",
        str(tmp_path / "suite"),
        str(tmp_path / "suite"),
        "-q",
        "-rA",
        *argv,
    ]
    # The outer run's options (CI passes --contract= through PYTEST_ADDOPTS) are not this suite's.
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path, env=env
    )


def test_the_option_runs_the_checks_as_tests(mock_url: str, tmp_path: Path) -> None:
    done = _pytest(
        tmp_path, "--image-skill-conformance-url", mock_url, "--image-skill-conformance-category", "envelope"
    )
    assert done.returncode == 0, done.stdout
    assert "PASSED" in done.stdout
    assert "envelope.seven-keys" in done.stdout
    assert "6 passed" in done.stdout


def test_without_the_option_nothing_is_collected(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--co")
    assert "no tests collected" in done.stdout, done.stdout
