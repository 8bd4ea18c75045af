"""The README's first command runs this demo: it must complete and leave a real PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e


def test_demo_runs_the_first_run_flow_and_writes_the_image(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    scratch = tmp_path / "tmp"  # the demo's (and its server's) $TMPDIR: left empty at the end
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for step in ("image-skill doctor", "create --guide", "signup --agent", "jobs wait", "assets get"):
        assert step in done.stdout
    assert "isk_r_" not in done.stdout
    printed = [line for line in done.stdout.splitlines() if line.startswith("$ image-skill ")]
    assert len(printed) >= 8
    for line in printed:  # the API is not the default: every printed command names it, to run as printed
        assert "--api-base-url http://127.0.0.1:" in line, line
    [image] = out.iterdir()
    with Image.open(image) as png:
        assert png.format == "PNG"
    assert list(scratch.iterdir()) == []
