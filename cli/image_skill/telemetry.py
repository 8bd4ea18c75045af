"""Service telemetry, from the CLI's side: the CLI describes itself in request headers.

No extra request is ever made. Every API request of one run carries the spec's
``x-image-skill-telemetry`` headers - the CLI's name and version, the command label, and the
milliseconds since the run began - besides the run's trace id; the service keeps one telemetry
event per run (trace id) with the exit code of its last answer and the run's duration. Nothing
else is described: never a token, prompt, path, contact or URL.

The documented no-telemetry mode: ``IMAGE_SKILL_TELEMETRY=off`` or ``DO_NOT_TRACK=1`` (the spec's
``opt_out``; ``IMAGE_SKILL_TELEMETRY`` also takes ``0``/``false``/``no``, ``DO_NOT_TRACK`` any value
but ``0``/``false``/empty). Then the headers are not sent and the service records nothing.
Telemetry never changes stdout or the exit code. ``doctor`` reports the mode and why.

Cheap to import: plain constants only.
"""

from __future__ import annotations

from image_skill import __version__
from image_skill_api.constants import (
    TELEMETRY_CLIENT_HEADER,
    TELEMETRY_COMMAND_HEADER,
    TELEMETRY_ELAPSED_HEADER,
    TELEMETRY_OPT_OUT,
)

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping

#: The CLI's name as the telemetry client header gives it (``name/version``).
CLIENT_NAME = "image-skill"
#: What the service records for each run (``doctor`` lists it): never a token, prompt, path, contact or URL.
RECORDED = ("trace_id", "command", "cli.name", "cli.version", "exit_code", "duration_ms", "requests")
_FALSE = ("", "0", "false", "no")
_OFF = ("off", "0", "false", "no")

__all__ = ["CLIENT_NAME", "RECORDED", "TELEMETRY_ELAPSED_HEADER", "headers", "mode"]


def mode(env: Mapping[str, str]) -> tuple[bool, str]:
    """``(enabled, why)`` for this environment."""
    for name, off in TELEMETRY_OPT_OUT:
        raw = env.get(name)
        if raw is None:
            continue
        value = raw.strip().lower()
        if value not in _FALSE if name == "DO_NOT_TRACK" else value in (off, *_OFF):
            return False, f"off: {name}={raw.strip()} is set (the no-telemetry mode)"
    switches = " or ".join(f"{name}={value}" for name, value in TELEMETRY_OPT_OUT)
    return True, f"on: the service records one event per command run; {switches} turns it off"


def headers(env: Mapping[str, str], command: str) -> dict[str, str]:
    """The headers describing this run (empty in the no-telemetry mode)."""
    if not mode(env)[0]:
        return {}
    return {TELEMETRY_CLIENT_HEADER: f"{CLIENT_NAME}/{__version__}", TELEMETRY_COMMAND_HEADER: command}
