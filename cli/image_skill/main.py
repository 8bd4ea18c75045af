"""Entry point: answer what argv alone decides, else parse the command with docopt and run it;
print exactly one envelope.

Kept cheap to import, and so are the answers argv alone decides: ``--version``, help (the manifest
for ``--help``, ``-h`` and ``help``; a command's entry for ``<command> --help`` and ``help
<command>``; a topic), a word that is no command, flags refused whatever else is given, and a flag
the command does not know exactly (abbreviations included: flags are exact), each refusal naming the
closest known word. They are built from generated constants (``image_skill_api.usages``,
``image_skill_api.manifest``), without docopt, the ``Context`` or the HTTP stack. Anything else is
parsed with docopt (the plainest command lines, such as ``whoami --json``, by ``image_skill.quickparse``
to the same dict) into the ``Context`` and the command's typed options, and run by the command's
module. Help goes to a terminal as text (``image_skill.helptext``), anywhere else as the envelope.
"""

from __future__ import annotations

import sys

from image_skill.argv import HELP_FLAGS, base_url_flag, command_word, wants_help
from image_skill.command_table import COMMANDS, LABELS, usage_text
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
    fast = _fast_answer(argv, stdout, env)
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
        answer = _answer_from_argv(word, argv, label, trace_id, _text_env(argv, stdout, env))
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
        elif isinstance(answer, str):
            envelope, code = answer, 0
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
    if isinstance(envelope, str):  # help text for a terminal, or a command's text (`completion`)
        _emit(stdout, envelope, secrets=None)
        return code
    _finish(stdout, envelope, word, argv, ctx=ctx, env=env, allow_token=allow_token)
    return code


def _finish(
    stdout: TextIO,
    envelope: dict[str, Any],
    word: str | None,
    argv: list[str],
    *,
    ctx: Context | None,
    env: Mapping[str, str],
    allow_token: bool,
) -> None:
    """Print a run's envelope: its recovery made whole and aimed at the run's API, the token scrubbed."""
    if isinstance(envelope.get("error"), dict):  # (both leave an envelope without an error as it is)
        from image_skill.baseurl import aim_recovery
        from image_skill.recovery import made_whole

        envelope = made_whole(envelope, word, argv)
        envelope = aim_recovery(envelope, ctx.api_base_url_flag if ctx else base_url_flag(argv), env)
    known = ctx.resolved_token() if ctx else None
    _emit(stdout, envelope, secrets=None if allow_token else [known] if known else [])


def _text_env(argv: list[str], stdout: TextIO, env: Mapping[str, str]) -> Mapping[str, str] | None:
    """The environment (for its NO_COLOR) when help is for a person on a terminal, else None."""
    from image_skill.argv import wants_text

    return env if wants_text(argv, stdout) else None


def _fast_answer(argv: list[str], stdout: TextIO, env: Mapping[str, str]) -> dict[str, Any] | str | None:
    """The envelope of ``--version`` or the manifest (text on a terminal), from constants alone; else None."""
    if argv[:1] in (["--version"], ["-V"], ["version"]) and set(argv[1:]) <= {"--json"}:
        from image_skill.commands.version import fast_envelope

        return fast_envelope()
    if [a for a in argv if a != "--json"] in HELP_ARGV:
        from image_skill.commands import help as help_command_module

        text_env = _text_env(argv, stdout, env)
        if text_env is not None:
            return help_command_module.text(text_env, [], set())
        return help_command_module.fast_envelope()
    return None


def _route(argv: list[str]) -> tuple[str | None, str, list[str]]:
    """The command word, the label of a failure before the command chooses its own, and the argv
    to parse (``image-skill --help <args>`` is ``help``, which ignores help flags; ``image-skill
    image create`` is ``image-skill create``: the modality aliases)."""
    from image_skill_api.usages import MODALITY_ALIASES

    word = command_word(argv)
    if word in MODALITY_ALIASES:
        rest = argv[argv.index(word) + 1 :]
        if command_word(rest) in MODALITY_ALIASES[word]:
            argv = [*argv[: argv.index(word)], *rest]
            word = command_word(argv)
    label = _word_label(word)
    if word is None and wants_help(argv):
        argv, word = ["help", *argv], "help"
    if word == "help":  # help is the manifest (or one command's entry), whatever the flags
        argv = [a for a in argv if a not in HELP_FLAGS]
    return word, label, argv


def _answer_from_argv(
    word: str | None, argv: list[str], label: str, trace_id: str, text_env: Mapping[str, str] | None
) -> tuple[dict[str, Any], int] | str | None:
    """The envelope and exit code (or the help text for a terminal) of what argv alone decides, else
    None (the command must run).

    In order: no such command; payment-credential flags, refused whatever else is given; help (it
    wins over an incomplete command line); a flag the command does not know exactly.
    """
    from image_skill import refusals

    refusal = (
        refusals.no_such_command(word, argv) if word not in COMMANDS else refusals.credential_flag(word, argv)
    )
    if refusal is None and word is not None and (word == "help" or wants_help(argv)):
        return _help_answer(word, argv, trace_id, text_env)
    if refusal is None and word is not None:
        refusal = refusals.unknown_flag(word, argv)
    if refusal is None:
        return None
    return refusal.envelope(label, trace_id=trace_id), refusal.exit_code


def _help_answer(
    word: str, argv: list[str], trace_id: str, text_env: Mapping[str, str] | None
) -> tuple[dict[str, Any], int] | str:
    """``help [COMMAND...]`` and ``COMMAND --help``: the manifest, a command's entry or a topic."""
    from image_skill.argv import words_and_flags
    from image_skill.commands import help as help_module
    from image_skill.envelope import success

    words, flags = words_and_flags(argv)
    if word == "help":
        words = words[1:]
    if text_env is not None:
        return help_module.text(text_env, words, flags)
    if words and words[0] in COMMANDS:
        return help_module.usage_envelope(words, flags, trace_id=trace_id), 0
    if len(words) == 1 and words[0] in help_module.TOPICS:
        return success(LABELS["help"], help_module.topic_data(words[0]), trace_id=trace_id), 0
    return success(LABELS["help"], help_module.data(), trace_id=trace_id), 0


def parse(word: str, argv: list[str]) -> dict[str, Any] | Refusal:
    """docopt's reading of ``argv`` with the usage of ``image-skill <word>``, or the usage error (the
    plainest command lines are read without docopt, to the same dict: ``image_skill.quickparse``)."""
    from image_skill.quickparse import simple

    quick = simple(word, argv)
    if quick is not None:
        return quick
    from docopt import DocoptExit, docopt

    try:
        return dict(docopt(usage_text(word), argv=argv, default_help=False))
    except DocoptExit:
        from image_skill.refusals import usage_error

        return usage_error(word, argv)


def _run(ctx: Context, word: str, argv: list[str]) -> tuple[dict[str, Any] | str, int, bool]:
    """Parse ``argv`` into the Context and the command's options, and run the command:
    (envelope, exit code, whether the envelope may show the token). A command with a ``TEXT_KEY``
    (``completion``) answers that field of its data as plain text unless ``--json`` was given."""
    from image_skill.commands import load
    from image_skill.envelope import CliError, Refusal, ServerError, failure, relabel

    parsed = parse(word, argv)
    if isinstance(parsed, Refusal):
        return parsed.envelope(ctx.command, trace_id=ctx.trace_id), parsed.exit_code, False
    ctx.api_base_url_flag = parsed.get("--api-base-url")
    ctx.token_stdin = bool(parsed.get("--token-stdin"))
    try:
        command = load(COMMANDS[word])
        envelope = execute(ctx, command, parsed)
        if getattr(command, "PROTOCOL_ON_STDOUT", False):  # (`mcp`: stdout carried the protocol)
            return "", 0, False
        if hasattr(command, "TEXT_KEY") and not parsed.get("--json"):
            return str(envelope["data"][command.TEXT_KEY]), 0, False
        return envelope, 0, bool(parsed.get("--show-token"))
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


def _emit(stdout: TextIO, envelope: Mapping[str, Any] | str, *, secrets: list[str] | None) -> None:
    """Print one envelope line (or help text, as it is); with ``secrets`` (even empty), anything
    token-shaped is scrubbed."""
    if isinstance(envelope, str):
        stdout.write(envelope)
        stdout.flush()
        return
    from image_skill.jsonline import dumps

    text = dumps(envelope)
    if secrets is not None:
        from image_skill.redaction import scrub

        text = scrub(text, secrets)
    stdout.write(text + "\n")
    stdout.flush()


#: The cyclic collector's first threshold in a process the console started (CPython's default is 700).
#: Start-up makes some hundred thousand objects that live as long as the run (``requests`` and what it
#: imports); at 700 the collector scans them again and again while they are made, and once more at
#: shutdown. ``whoami`` paired against the node floor here: 0.68-0.72x with CPython's defaults,
#: 0.58x with this threshold and ``gc.freeze()`` before exit (21 pairs, 2 cpus). A long-running
#: command (``mcp``, ``jobs wait``) still collects, every this many new container objects.
GC_THRESHOLD = 50_000


def run() -> None:
    """The console entry (``image-skill``, ``python -m image_skill``): ``main`` on ``sys.argv``, with
    the collector set for a short process (``GC_THRESHOLD``), and what the run made frozen before
    the interpreter shuts down (its final collections then pass it over; shutdown still runs the
    ``atexit`` handlers and flushes the standard streams). ``main`` itself leaves the collector as it
    finds it, for callers in a process of their own."""
    import gc

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    code = main(sys.argv[1:])
    gc.freeze()
    sys.exit(code)
