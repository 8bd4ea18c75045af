"""Recoveries made whole: a failure's ``recovery.suggested_command`` is a command line to run as
printed, never a bare flag or a half step.

- a recovery that names only a flag to add (``required_flag``, e.g. ``--overwrite`` for
  OUTPUT_EXISTS) gets ``suggested_command``: this very command line with that flag added;
- the registry's recovery of a code, when it only prepares the shell (``export
  IMAGE_SKILL_CONFIG_PATH=...`` for PUBLIC_CLI_CONFIG_WRITE_FAILED), is followed by this command
  line again (``&&``). A recovery a command wrote itself is its own (after a signup whose token
  could not be saved, ``export IMAGE_SKILL_TOKEN=...`` keeps that agent: rerunning the signup would
  make another), so it is left as it is.

Cheap to import (the generated flag table and ``shlex``); ``main`` applies it to every failure.
"""

from __future__ import annotations

from image_skill.command_table import PROGRAM
from image_skill_api.constants import ERROR_RECOVERIES
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
    elif suggested is not None and suggested == _registry_export(error.get("code")):
        suggested = f"{suggested} && {command_line(argv)}"
    else:
        return envelope
    return {**envelope, "error": {**error, "recovery": {**recovery, "suggested_command": suggested}}}


def _registry_export(code: object) -> str | None:
    """The registry's recovery of ``code`` when it is a shell step (``export ...``), else None."""
    suggested = (ERROR_RECOVERIES.get(code) or {}).get("suggested_command") if isinstance(code, str) else None
    return suggested if isinstance(suggested, str) and suggested.startswith("export ") else None
