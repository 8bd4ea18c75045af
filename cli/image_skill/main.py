"""Entry point: find the command, parse it with docopt, run it, print exactly one envelope.

Kept cheap to import: ``--version`` touches nothing but this module and the package version;
a command's module (and ``requests``, through the transport) is imported only when it runs.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, TextIO

GLOBAL_OPTIONS = """
Global options:
  --json              Print the JSON envelope (the default; accepted by every command).
  --api-base-url=URL  Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).
  --token-stdin       Read the agent token from the first line of standard input.
  -h --help           Show this command's usage (as an envelope).
"""

#: First argv word -> module under ``image_skill.commands``.
COMMANDS: dict[str, str] = {
    "help": "help",
    "version": "version",
    "doctor": "doctor",
    "signup": "signup",
    "whoami": "whoami",
    "usage": "usage",
    "quota": "usage",
    "credits": "credits",
    "models": "models",
    "capabilities": "capabilities",
    "create": "create",
    "jobs": "jobs",
    "assets": "assets",
}


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

    from image_skill.context import Context
    from image_skill.envelope import ApiError, CliError, failure, relabel
    from image_skill_api.registry import ErrorCode

    word = _command_word(argv)
    ctx = Context(env=env, stdin=stdin, stdout=stdout, stderr=stderr)
    ctx.command = f"image-skill {word}" if word in COMMANDS else "image-skill"
    allow_token = False
    try:
        if (word is None and any(a in ("-h", "--help") for a in argv)) or not argv:
            argv, word = ["help", *argv], "help"
        if word is None or word not in COMMANDS:
            raise CliError(
                ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
                "This is not an image-skill command." if word else "No command was given.",
                recovery={"suggested_command": "image-skill help --json"},
            )
        module = _load(COMMANDS[word])
        if hasattr(module, "reject_argv"):
            module.reject_argv(argv)
        if "-h" in argv or "--help" in argv:  # help wins over an incomplete command line
            from image_skill.commands.help import usage_envelope

            envelope = usage_envelope(ctx, word, module.USAGE + GLOBAL_OPTIONS)
        else:
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
    _emit(stdout, envelope, secrets=None if allow_token else [known] if known else [])
    return code


def _load(name: str) -> Any:
    import importlib

    return importlib.import_module(f"image_skill.commands.{name}")


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
