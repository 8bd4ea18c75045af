"""Start ``image-skill-mock serve`` as a subprocess (the ``[mock]`` extra) and read its ready line."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from image_skill_conformance.checks import CheckSkipped

READY_TIMEOUT_SECONDS = 60


def mock_command() -> list[str]:
    """The ``image-skill-mock`` script, else ``python -m image_skill_mock``; skips without either."""
    script = shutil.which("image-skill-mock", path=str(Path(sys.executable).parent)) or shutil.which(
        "image-skill-mock"
    )
    if script:
        return [script]
    if importlib.util.find_spec("image_skill_mock") is not None:
        return [sys.executable, "-m", "image_skill_mock"]
    raise CheckSkipped("the client direction needs the reference mock: pip install 'image-skill[mock]'")


@contextmanager
def running_mock(*flags: str) -> Iterator[dict[str, str]]:
    """A mock on a free port (its ready line: ``base_url``, ``webhook_secret``), stopped on exit."""
    proc = subprocess.Popen(  # noqa: S603 (our own console script, no shell)
        [*mock_command(), "serve", "--port", "0", *flags], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"image-skill-mock serve exited before it was ready (exit {proc.wait(5)})")
        ready: dict[str, str] = json.loads(line)
        yield ready
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
