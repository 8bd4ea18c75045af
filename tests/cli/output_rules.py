"""The output rules every CLI run obeys, written once: the runners of tests/cli (in-process), tests/e2e
(the real console script) and tests/properties (random argv) check them on every run.

- stdout is exactly one line: one JSON envelope with the seven keys (``ENVELOPE_KEYS``);
- the exit code is one of the registry's, 0 exactly when ``ok``; a failure's exit code is its error
  code's in the registry (an error code the registry does not know, relayed from a server: any
  failure exit);
- stderr, never a terminal here, stays silent (no hint, no traceback), but for the one ``in_flight``
  JSON line a live create or edit writes before its blocking request (``inflight``);
- nothing token-shaped (the token prefix and a token character) is printed, unless the command line
  has ``--show-token`` (a scrubbed token, ``isk_r_[redacted]``, is not token-shaped) or the run is a
  signup whose save failed after the agent was created (its ``error.recovery.token``: the token's
  one showing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from image_skill_api.registry import ENVELOPE_KEYS, ERRORS, TOKEN_PREFIX, ErrorCode, ExitCode

#: The start of a token: its prefix and one character a token may hold.
TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + "[A-Za-z0-9_-]")


def expected_exit(code: str) -> ExitCode | None:
    """The registry's exit code for an error ``code``, None for a code it does not know."""
    return ERRORS[ErrorCode(code)].exit_code if code in ErrorCode.__members__ else None


def check_output(argv: Sequence[str], code: int, stdout: str, stderr: str) -> dict[str, Any]:
    """The envelope ``stdout`` holds, after checking the output rules for a run of ``argv``."""
    assert stdout.endswith("\n"), stdout
    assert stdout.count("\n") == 1, stdout
    envelope: dict[str, Any] = json.loads(stdout)
    assert isinstance(envelope, dict), stdout
    assert sorted(envelope) == sorted(ENVELOPE_KEYS), stdout
    assert code in set(ExitCode), code
    assert envelope["ok"] is (code == ExitCode.OK), (code, envelope)
    if not envelope["ok"]:
        error = envelope["error"]
        assert isinstance(error, dict), envelope
        assert isinstance(error.get("code"), str), envelope
        assert code == (expected_exit(error["code"]) or code) != ExitCode.OK, (code, envelope)
    assert stderr == "" or _in_flight_line(stderr), stderr
    if "--show-token" not in argv and not _token_handover(envelope):
        assert not TOKEN_SHAPE.search(stdout), "a token was printed"
    return envelope


def _in_flight_line(stderr: str) -> bool:
    """``stderr`` is exactly one line: ``{"in_flight": {...}}``."""
    if not stderr.endswith("\n") or stderr.count("\n") != 1:
        return False
    line = json.loads(stderr)
    return isinstance(line, dict) and list(line) == ["in_flight"] and isinstance(line["in_flight"], dict)


def _token_handover(envelope: dict[str, Any]) -> bool:
    error = envelope.get("error") or {}
    recovery = error.get("recovery") or {}
    return error.get("code") == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED and "token" in recovery
