"""Entry point: find the command, parse it with docopt, run it, print exactly one envelope.

Kept cheap to import: ``--version`` and the top-level help (``--help``, ``-h``, ``help``) touch
nothing but this module, the package version and their own constants; a command's module (and
``requests``, through the transport) is imported only when it runs.
"""

from __future__ import annotations

import sys

from image_skill.commands.index import COMMANDS, GLOBAL_OPTIONS
from image_skill.commands.index import load as _load

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, TextIO

    from image_skill.context import Context

#: Argv (without ``--json``) that asks for the command list.
HELP_ARGV: tuple[list[str], ...] = ([], ["-h"], ["--help"], ["help"], ["help", "-h"], ["help", "--help"])
HELP_FLAGS = ("-h", "--help")


def _command_word(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--api-base-url":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _base_url_flag(argv: list[str]) -> str | None:
    """``--api-base-url`` as given, before docopt runs (refusals raised before parsing aim with it too)."""
    for i, arg in enumerate(argv):
        if arg == "--api-base-url" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--api-base-url="):
            return arg.split("=", 1)[1]
    return None


def _emit(stdout: TextIO, envelope: dict[str, Any], *, secrets: list[str] | None) -> None:
    """Print one envelope line; with ``secrets`` (even empty), anything token-shaped is scrubbed."""
    import json

    text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    if secrets is not None:
        from image_skill.redaction import scrub

        text = scrub(text, secrets)
    stdout.write(text + "\n")
    stdout.flush()


def main(
    argv: list[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one CLI invocation; returns the exit code. Every outcome prints one envelope."""
    import os

    env = os.environ if env is None else env
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    if argv[:1] in (["--version"], ["-V"], ["version"]) and set(argv[1:]) <= {"--json"}:
        from image_skill.commands.version import fast_envelope

        _emit(stdout, fast_envelope(), secrets=None)
        return 0
    if argv[:1] in (["--version"], ["-V"]):
        argv = ["version", *argv[1:]]
    if [a for a in argv if a != "--json"] in HELP_ARGV:
        from image_skill.commands.help import fast_envelope as help_envelope

        _emit(stdout, help_envelope(GLOBAL_OPTIONS), secrets=None)
        return 0

    from image_skill.context import Context
    from image_skill.envelope import ApiError, CliError, failure, relabel
    from image_skill_api.registry import ErrorCode

    word = _command_word(argv)
    ctx = Context(env=env, stdin=stdin, stdout=stdout, stderr=stderr, api_base_url_flag=_base_url_flag(argv))
    ctx.command = f"image-skill {word}" if word in COMMANDS else "image-skill"
    allow_token = False
    try:
        if word is None and any(a in HELP_FLAGS for a in argv):
            argv, word = ["help", *argv], "help"
        if word == "help":  # help is the command list (or one command's usage), whatever the flags
            argv = [a for a in argv if a not in HELP_FLAGS]
        if word is None or word not in COMMANDS:
            raise CliError(
                ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
                "This is not an image-skill command." if word else "No command was given.",
            )  # the registry's recovery: `image-skill help --json`, which lists the commands
        module = _load(COMMANDS[word])
        if hasattr(module, "reject_argv"):
            module.reject_argv(argv)
        if any(a in HELP_FLAGS for a in argv):  # help wins over an incomplete command line
            from image_skill.commands.help import usage_envelope

            envelope = usage_envelope(ctx, word, module.USAGE + GLOBAL_OPTIONS)
        else:
            not_yet = module.unavailable(argv) if hasattr(module, "unavailable") else None
            if not_yet is not None:
                from image_skill.commands.planned import refusal

                raise refusal(ctx, not_yet)
            opts = _parse(module.USAGE, argv, word)
            ctx.api_base_url_flag = opts.get("--api-base-url")
            ctx.token_stdin = bool(opts.get("--token-stdin"))
            allow_token = bool(word == "signup" and opts.get("--show-token"))
            envelope = module.run(ctx, opts)
        code = 0
    except CliError as exc:
        envelope, code = failure(ctx.command, exc, trace_id=ctx.trace_id), exc.exit_code
    except ApiError as exc:
        envelope, code = relabel(exc.envelope, ctx.command), exc.exit_code
    except KeyboardInterrupt:
        stopped = CliError(ErrorCode.INTERRUPTED, "Interrupted before the command finished.")
        envelope, code = failure(ctx.command, stopped, trace_id=ctx.trace_id), stopped.exit_code
    except Exception:
        if env.get("IMAGE_SKILL_DEBUG") == "1":
            import traceback

            traceback.print_exc(file=stderr)
        error = CliError(
            ErrorCode.INTERNAL_ERROR, "The CLI failed unexpectedly; rerun with IMAGE_SKILL_DEBUG=1."
        )
        envelope, code = failure(ctx.command, error, trace_id=ctx.trace_id), error.exit_code
    known = ctx.resolved_token()
    _emit(stdout, _for_this_api(ctx, envelope), secrets=None if allow_token else [known] if known else [])
    return code


def _for_this_api(ctx: Context, envelope: dict[str, Any]) -> dict[str, Any]:
    """A failure's suggested ``image-skill`` command, aimed at the API this run used.

    The registry's default recoveries (and the server's, which cannot know how it is reached) name
    no base URL; run as printed they would go to the hosted default API. ``ctx.with_base_url``
    adds ``--api-base-url`` when this run does not use the default.
    """
    error = envelope.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("recovery"), dict):
        return envelope
    recovery: dict[str, Any] = error["recovery"]
    command = recovery.get("suggested_command")
    if not isinstance(command, str) or not command.startswith("image-skill ") or "--api-base-url" in command:
        return envelope
    from image_skill.envelope import CliError

    try:
        aimed = ctx.with_base_url(command)
    except CliError:  # the base URL itself is what is wrong (the envelope says so already)
        return envelope
    if aimed == command:
        return envelope
    return {**envelope, "error": {**error, "recovery": {**recovery, "suggested_command": aimed}}}


def _parse(usage: str, argv: list[str], word: str) -> dict[str, Any]:
    from docopt import DocoptExit, docopt

    from image_skill.envelope import CliError
    from image_skill_api.registry import ErrorCode

    try:
        return dict(docopt(usage + GLOBAL_OPTIONS, argv=argv, default_help=False))
    except DocoptExit:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            f"The arguments do not match any usage of `image-skill {word}`.",
            recovery={"suggested_command": f"image-skill {word} --help"},
        ) from None


def run() -> None:
    sys.exit(main(sys.argv[1:]))
