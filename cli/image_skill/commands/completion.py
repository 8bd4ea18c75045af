"""image-skill completion bash|zsh|fish: the shell completion script generated from the manifest.

The scripts are generated files of ``image_skill_api`` (``completion.<shell>``, rendered from the
spec by ``nox -s codegen``). The script is printed as it is (``TEXT_KEY``), so that
``source <(image-skill completion bash)`` works; with ``--json``, the envelope carries it in
``data.script``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import image_skill_api
from image_skill.command_table import LABELS
from image_skill.context import Context
from image_skill.envelope import success
from image_skill.validate import invalid

LABEL = LABELS["completion"]
SHELLS = ("bash", "zsh", "fish")
#: The field of the envelope's data printed as plain text unless --json is given.
TEXT_KEY = "script"


def parse(opts: Mapping[str, Any]) -> str:
    shell = str(opts["<shell>"])
    if shell not in SHELLS:
        raise invalid("completion", f"completion is for {', '.join(SHELLS)}.")
    return shell


def script(shell: str) -> str:
    return (Path(image_skill_api.__file__).parent / f"completion.{shell}").read_text(encoding="utf-8")


def run(ctx: Context, shell: str) -> dict[str, Any]:
    return success(ctx.command, {"shell": shell, "script": script(shell)}, trace_id=ctx.trace_id)
