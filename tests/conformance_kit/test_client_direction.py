"""The client direction: our CLI passes every client check; a broken client fails."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .conftest import FIXTURES, run_kit, statuses


def _cli() -> str:
    script = shutil.which("image-skill", path=str(Path(sys.executable).parent))
    return script or f"{sys.executable} -m image_skill"


def test_our_cli_passes_the_client_checks(tmp_path: Path) -> None:
    status, report = run_kit(tmp_path, "client", "--command", _cli())
    assert status == 0, report["checks"]
    assert set(statuses(report).values()) == {"passed"}
    assert report["product"]["categories"] == ["client"]


def test_a_client_that_prints_two_envelopes_fails_the_client_category(tmp_path: Path) -> None:
    status, report = run_kit(
        tmp_path, "client", "--command", f"{sys.executable} {FIXTURES / 'broken_client.py'}"
    )
    assert status == 1
    assert statuses(report)["client.one-envelope"] == "failed"
