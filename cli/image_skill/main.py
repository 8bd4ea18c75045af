"""Entry point: answer what argv alone decides, else parse the command with docopt and run it;
print exactly one envelope.

Kept cheap to import, and so are the answers argv alone decides: ``--version``, the command list
(``--help``, ``-h``, ``help``), a command's usage (``<command> --help``), a word that is no command,
flags refused whatever else is given, and a usage error for an option the command does not know.
They are built from plain constants and the command's usage module, without docopt, the
``Context`` or the HTTP stack. Anything else is parsed with docopt into the ``Context`` and the
command's typed options, and run by the command's module.
"""

from __future__ import annotations

import sys

from image_skill.argv import HELP_FLAGS, base_url_flag, command_word, unknown_option, wants_help
from image_skill.command_table import COMMANDS, GLOBAL_OPTIONS, help_command, load_usage
from image_skill.command_table import word_label as _word_label

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import ModuleType
    from typing import Any, TextIO

    from image_skill.context import Context
    from image_skill.envelope import Refusal

#: Argv (without ``--json``) that asks for the command list.
HELP_ARGV: tuple[list[str], ...] = ([], ["-h"], ["--help"], ["help"], ["help", "-h"], ["help", "--help"])


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
    fast = _fast_answer(argv)
    if fast is not None:
        _emit(stdout, fast, secrets=None)
        return 0
    if argv[:1] in (["--version"], ["-V"]):
        argv = ["version", *argv[1:]]
    from image_skill.envelope import new_trace_id

    word, label, argv = _route(argv)
    trace_id = new_trace_id()
    ctx: Context | None = None
    allow_token = False
    try:
        answer = _answer_from_argv(word, argv, label, trace_id)
        if answer is None and word in COMMANDS:  # (it always is when argv alone decided nothing)
            from image_skill.context import Context

            ctx = Context(
                env=env,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                api_base_url_flag=base_url_flag(argv),
                command=label,
                trace_id=trace_id,
            )
            envelope, code, allow_token = _run(ctx, word, argv)
        else:
            envelope, code = answer or _unexpected(ctx, label, trace_id)
    except KeyboardInterrupt as interrupt:  # a keyed request's carries its safe rerun (``keyed.send``)
        recovery = getattr(interrupt, "recovery", None)
        envelope, code = _unexpected(ctx, label, trace_id, interrupted=True, recovery=recovery)
    except Exception:
        if env.get("IMAGE_SKILL_DEBUG") == "1":
            import traceback

            traceback.print_exc(file=stderr)
        envelope, code = _unexpected(ctx, label, trace_id)
    from image_skill.baseurl import aim_recovery

    envelope = aim_recovery(envelope, ctx.api_base_url_flag if ctx else base_url_flag(argv), env)
    known = ctx.resolved_token() if ctx else None
    _emit(stdout, envelope, secrets=None if allow_token else [known] if known else [])
    return code


def _fast_answer(argv: list[str]) -> dict[str, Any] | None:
    """The envelope of ``--version`` or of the command list, built from constants alone; else None."""
    if argv[:1] in (["--version"], ["-V"], ["version"]) and set(argv[1:]) <= {"--json"}:
        from image_skill.commands.version import fast_envelope

        return fast_envelope()
    if [a for a in argv if a != "--json"] in HELP_ARGV:
        from image_skill.commands.help import fast_envelope as help_envelope

        return help_envelope()
    return None


def _route(argv: list[str]) -> tuple[str | None, str, list[str]]:
    """The command word, the label of a failure before the command chooses its own, and the argv
    to parse (``image-skill --help <args>`` is ``help``, which ignores help flags)."""
    word = command_word(argv)
    label = _word_label(word)
    if word is None and wants_help(argv):
        argv, word = ["help", *argv], "help"
    if word == "help":  # help is the command list (or one command's usage), whatever the flags
        argv = [a for a in argv if a not in HELP_FLAGS]
    return word, label, argv


def usage_error(word: str) -> Refusal:
    """The refusal of a command line that matches no usage of ``image-skill <word>``."""
    from image_skill.envelope import Refusal
    from image_skill_api.constants import ErrorCodes

    return Refusal(
        ErrorCodes.INVALID_ARGUMENTS,
        f"The arguments do not match any usage of `image-skill {word}`.",
        suggested_command=help_command(word),
    )


def _answer_from_argv(
    word: str | None, argv: list[str], label: str, trace_id: str
) -> tuple[dict[str, Any], int] | None:
    """The envelope and exit code of what argv alone decides, else None (the command must run).

    In order: no such command; flags refused whatever else is given; the command's usage (help wins
    over an incomplete command line); an option docopt refuses.
    """
    from image_skill.envelope import Refusal
    from image_skill_api.constants import ErrorCodes

    if word is None or word not in COMMANDS:
        message = "This is not an image-skill command." if word else "No command was given."
        refusal: Refusal | None = Refusal(ErrorCodes.PUBLIC_CLI_COMMAND_NOT_AVAILABLE, message)
    else:  # (the registry's recovery for it: `image-skill help --json`, which lists the commands)
        usage = load_usage(COMMANDS[word])
        refusal = usage.reject_argv(argv) if hasattr(usage, "reject_argv") else None
        if refusal is None and wants_help(argv):
            from image_skill.commands.help import usage_envelope

            return usage_envelope(word, usage.USAGE + GLOBAL_OPTIONS, trace_id=trace_id), 0
        if refusal is None and unknown_option(usage.USAGE + GLOBAL_OPTIONS, argv):
            refusal = usage_error(word)
    if refusal is None:
        return None
    return refusal.envelope(label, trace_id=trace_id), refusal.exit_code


def parse(word: str, argv: list[str]) -> dict[str, Any] | Refusal:
    """docopt's reading of ``argv`` with the usage of ``image-skill <word>``, or the usage error."""
    from docopt import DocoptExit, docopt

    try:
        return dict(docopt(load_usage(COMMANDS[word]).USAGE + GLOBAL_OPTIONS, argv=argv, default_help=False))
    except DocoptExit:
        return usage_error(word)


def _run(ctx: Context, word: str, argv: list[str]) -> tuple[dict[str, Any], int, bool]:
    """Parse ``argv`` into the Context and the command's options, and run the command:
    (envelope, exit code, whether the envelope may show the token)."""
    from image_skill.commands import load
    from image_skill.envelope import CliError, Refusal, ServerError, failure, relabel

    parsed = parse(word, argv)
    if isinstance(parsed, Refusal):
        return parsed.envelope(ctx.command, trace_id=ctx.trace_id), parsed.exit_code, False
    ctx.api_base_url_flag = parsed.get("--api-base-url")
    ctx.token_stdin = bool(parsed.get("--token-stdin"))
    try:
        return execute(ctx, load(COMMANDS[word]), parsed), 0, bool(parsed.get("--show-token"))
    except CliError as exc:
        return failure(ctx.command, exc, trace_id=ctx.trace_id), exc.exit_code, exc.shows_token
    except ServerError as exc:
        return relabel(exc.envelope, ctx.command), exc.exit_code, False


def execute(ctx: Context, command: ModuleType, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """Run one command module on docopt's reading of argv: label the run (the module's ``label(parsed)``,
    else its ``LABEL``), turn ``parsed`` into its typed options (``parse``, which refuses bad values),
    and ``run`` them with the Context."""
    ctx.command = command.label(parsed) if hasattr(command, "label") else command.LABEL
    envelope: dict[str, Any] = command.run(ctx, command.parse(parsed))
    return envelope


def _unexpected(
    ctx: Context | None,
    label: str,
    trace_id: str,
    *,
    interrupted: bool = False,
    recovery: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], int]:
    """INTERRUPTED (Ctrl-C, SIGTERM during a download) or INTERNAL_ERROR: an envelope, never a traceback."""
    from image_skill.envelope import unexpected

    error = unexpected(interrupted=interrupted, recovery=recovery)
    return error.envelope(ctx.command if ctx else label, trace_id=trace_id), error.exit_code


def _emit(stdout: TextIO, envelope: Mapping[str, Any], *, secrets: list[str] | None) -> None:
    """Print one envelope line; with ``secrets`` (even empty), anything token-shaped is scrubbed."""
    import json

    text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    if secrets is not None:
        from image_skill.redaction import scrub

        text = scrub(text, secrets)
    stdout.write(text + "\n")
    stdout.flush()


def run() -> None:
    sys.exit(main(sys.argv[1:]))
