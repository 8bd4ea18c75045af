"""Recoveries made whole: a failure's ``recovery.suggested_command`` is a command line to run as
printed, never a bare flag or a half step.

- a recovery that names only a flag to add (``required_flag``, e.g. ``--overwrite`` for
  OUTPUT_EXISTS) gets ``suggested_command``: this very command line with that flag added;
- a recovery that only prepares the shell (``export IMAGE_SKILL_CONFIG_PATH=...`` for
  PUBLIC_CLI_CONFIG_WRITE_FAILED) is followed by this command line again (``&&``).

Cheap to import (the generated flag table and ``shlex``); ``main`` applies it to every failure.
"""

from __future__ import annotations

from image_skill.command_table import PROGRAM
from image_skill_api.usages import FLAGS

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


def command_line(argv: list[str]) -> str:
    import shlex

    return shlex.join([PROGRAM, *argv])


def made_whole(envelope: dict[str, Any], word: str | None, argv: list[str]) -> dict[str, Any]:
    """``envelope`` with its recovery's suggested command whole (unchanged when it already is)."""
    error = envelope.get("error")
    if word not in FLAGS or not isinstance(error, dict) or not isinstance(error.get("recovery"), dict):
        return envelope
    recovery: dict[str, Any] = error["recovery"]
    suggested = recovery.get("suggested_command")
    flag = recovery.get("required_flag")
    if suggested is None and isinstance(flag, str) and FLAGS[word].get(flag) is False and flag not in argv:
        suggested = command_line([*argv, flag])
    elif isinstance(suggested, str) and suggested.startswith("export ") and "&&" not in suggested:
        suggested = f"{suggested} && {command_line(argv)}"
    else:
        return envelope
    return {**envelope, "error": {**error, "recovery": {**recovery, "suggested_command": suggested}}}
