"""E2E helpers for the service's memory: the telemetry log (read with ``image-skill-mock telemetry``,
as a person or CI would) and a CLI wrapper that remembers every run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .conftest import Cli, Result

#: The environment switches of the documented no-telemetry mode (and what turns it off).
OPT_OUT = ({"IMAGE_SKILL_TELEMETRY": "off"}, {"DO_NOT_TRACK": "1"})


def telemetry_log(db: Path) -> list[dict[str, Any]]:
    """``image-skill-mock telemetry --db DB``: one JSON object per line."""
    done = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", "telemetry", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def wait_for_runs(db: Path, trace_ids: Iterable[str], timeout: float = 10.0) -> dict[str, dict[str, Any]]:
    """The log by trace id, once every run in ``trace_ids`` is in it (the service records a run's
    request just after answering it, so the log can trail the CLI by a moment)."""
    wanted = set(trace_ids)
    deadline = time.monotonic() + timeout
    while True:
        events = telemetry_log(db)
        by_trace = {event["trace_id"]: event for event in events}
        assert len(by_trace) == len(events), "one event per run"
        if wanted <= set(by_trace) or time.monotonic() > deadline:
            time.sleep(0.2)  # let a run's last request settle
            events = telemetry_log(db)
            return {event["trace_id"]: event for event in events}
        time.sleep(0.1)


class Recording:
    """Runs the CLI like ``Cli`` and keeps every result, to compare with what the service recorded."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.runs: list[Result] = []
        for name in ("IMAGE_SKILL_TELEMETRY", "DO_NOT_TRACK"):  # telemetry on, whatever the host says
            self.cli.env.pop(name, None)

    def __call__(self, *argv: str, **kwargs: Any) -> Result:
        result = self.cli(*argv, **kwargs)
        self.runs.append(result)
        return result

    def follow(self, command: str) -> Result:
        result = self.cli.follow(command)
        self.runs.append(result)
        return result
