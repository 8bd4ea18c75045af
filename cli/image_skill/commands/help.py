"""image-skill help: the command list and usage, as an envelope."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import success

USAGE = """
Usage:
  image-skill help [<command>] [options]
"""

SUMMARY: dict[str, str] = {
    "doctor": "Check the hosted API, local config, auth state and telemetry.",
    "signup": "Create a restricted agent identity and save its token (--agent).",
    "whoami": "Show the authenticated actor.",
    "usage": "usage quota: credits, daily job limit and reset windows.",
    "quota": "Alias of `usage quota`.",
    "credits": "credits methods: payment rails for buying credits.",
    "models": "List models (executable first) or show one model's full schema.",
    "capabilities": "List capabilities or show one.",
    "create": "Create images, plan a dry run, or ask --guide for the next safe step.",
    "jobs": "Show a job or wait for it to finish.",
    "assets": "Show an asset or download it (no clobber without --overwrite).",
    "version": "Print the CLI version.",
    "help": "This list, or one command's usage.",
}


def usage_envelope(ctx: Context, word: str, usage: str) -> dict[str, Any]:
    ctx.command = f"image-skill {word}"
    return success(ctx.command, {"command": word, "usage": usage.strip()}, trace_id=ctx.trace_id)


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill help"
    topic = opts.get("<command>")
    if topic:
        from image_skill.main import COMMANDS, GLOBAL_OPTIONS, _load

        if topic in COMMANDS:
            return usage_envelope(ctx, topic, _load(COMMANDS[topic]).USAGE + GLOBAL_OPTIONS)
    commands = [{"command": f"image-skill {name}", "summary": text} for name, text in SUMMARY.items()]
    data = {
        "usage": "image-skill <command> [<args>...] [--json] [--api-base-url=URL] [--token-stdin]",
        "commands": commands,
        "first_step": "image-skill create --guide --prompt 'your prompt' --json",
    }
    return success(ctx.command, data, trace_id=ctx.trace_id)
