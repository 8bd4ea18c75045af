"""recovery: every command the server or client advertises can be run as printed and helps.

Collected from every answer and client run of the run so far (plus the errors this category
provokes itself): ``error.recovery.suggested_command``, ``data.next_command`` and
``recover_command``. Placeholders are filled from the run's own ids; a command whose placeholder
cannot be filled is refused (not run) and reported.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from image_skill_api.constants import OPERATION_COMMANDS
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ERRORS, ErrorCode
from image_skill_conformance.categories import envelope
from image_skill_conformance.checks import Category, CheckFailed, CheckSkipped
from image_skill_conformance.context import CONTACT, RUNTIME, CliRun, Context, Snapshot

CATEGORY = Category(
    "recovery",
    "every advertised command runs as printed (placeholders filled) and makes progress;"
    " no-spend ones spend nothing",
)
CLIENT = "image-skill"
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
#: Commands that never reach a spending operation (besides those mapping only to GET operations).
LOCAL_WORDS = {"help", "doctor", "version", "--help", "--guide", "--dry-run"}
INVALID = ERRORS[ErrorCode.INVALID_ARGUMENTS].exit_code


@dataclass
class Attempt:
    command: str
    where: str
    recovers: str | None
    run: CliRun | None = None
    refused: str = ""  # the placeholder that could not be filled
    before: Snapshot | None = None
    after: Snapshot | None = None


def fillers(ctx: Context) -> dict[str, str]:
    """Placeholder -> value, from the run's own ids."""
    values = {
        "AGENT_CONTACT_EMAIL": CONTACT, "AGENT_NAME": "conformance-recovery", "RUNTIME": RUNTIME,
        "PROMPT": ctx.prompt("a recovered prompt"),
    }  # fmt: skip
    for key, value in ctx.ids.items():
        if "." not in key:
            values[key.upper()] = value
    return values


def no_spend(argv: list[str]) -> bool:
    """Whether the command only reads: local, a guide or dry run, or mapping to GET operations only."""
    if LOCAL_WORDS & set(argv):
        return True
    label = " ".join([CLIENT, *[w for w in argv if not w.startswith("-")]])
    matches = [
        op
        for op, command in OPERATION_COMMANDS.items()
        if label == command or label.startswith(command + " ")
    ]
    longest = max((len(OPERATION_COMMANDS[op]) for op in matches), default=0)
    chosen = [op for op in matches if len(OPERATION_COMMANDS[op]) == longest]
    return bool(chosen) and all(OPERATIONS[op].method == "GET" for op in chosen)


def attempts(ctx: Context) -> list[Attempt]:
    if "recovery.attempts" in ctx.cache:
        return list(ctx.cache["recovery.attempts"])
    envelope.answers(ctx)  # the errors of every kind, and their recoveries
    token = ctx.fresh_agent("recovery") if ctx.options.signup else ctx.primary()
    for probe in (
        ("doctor", "--json"),
        ("create", "--guide", "--prompt", ctx.prompt("a red kite"), "--json"),
    ):
        try:
            ctx.cli(*probe, token=token)
        except CheckSkipped:
            break
    values, done = fillers(ctx), []
    for command, where, recovers in ctx.advertised():
        words = shlex.split(command)
        if not words or words[0] != CLIENT:
            continue  # not a client command (e.g. pip install): nothing the kit runs
        attempt = Attempt(command, where, recovers)
        unknown = [w for w in words[1:] if PLACEHOLDER.match(w) and w not in values]
        if unknown:
            attempt.refused = unknown[0]
        else:
            argv = [values.get(w, w) if PLACEHOLDER.match(w) else w for w in words[1:]]
            quiet = no_spend(argv)
            attempt.before = ctx.snapshot(token) if quiet else None
            attempt.run = ctx.cli(*argv, token=token)
            attempt.after = ctx.snapshot(token) if quiet else None
        done.append(attempt)
    ctx.cache["recovery.attempts"] = done
    return list(done)


def _progress(attempt: Attempt) -> bool:
    run = attempt.run
    assert run is not None
    if run.exit_code == 0:
        return True
    return run.exit_code != INVALID and run.error_code is not None and run.error_code != attempt.recovers


@CATEGORY.check(
    "commands-run",
    "Every advertised command, placeholders filled, exits 0 or changes the blocker (never a usage error).",
    "spec/openapi.yaml#/components/schemas/Recovery",
)
def commands_run(ctx: Context) -> None:
    ran = [a for a in attempts(ctx) if a.run is not None]
    if not ran:
        raise CheckSkipped("no advertised command could be run (is there a client? --cli)")
    for attempt in ran:
        if not _progress(attempt):
            assert attempt.run is not None
            detail = (
                f"`{attempt.command}` (advertised by {attempt.where} for {attempt.recovers})"
                f" exited {attempt.run.exit_code} with {attempt.run.error_code}"
            )
            raise CheckFailed(detail, attempt.run.repro)


@CATEGORY.check(
    "placeholders-fillable",
    "Every placeholder in an advertised command is one the run can fill; none is presented as runnable.",
    "cli.md: Global Rules (suggested commands)",
)
def placeholders(ctx: Context) -> None:
    for attempt in attempts(ctx):
        if attempt.refused:
            raise CheckFailed(
                f"`{attempt.command}` (advertised by {attempt.where}) holds {attempt.refused},"
                " which nothing in the run fills"
            )


@CATEGORY.check(
    "no-spend-unchanged",
    "An advertised read-only command leaves credits, counted jobs and the activity ledger unchanged.",
    "cli.md: Global Rules (no-spend commands)",
)
def no_spend_unchanged(ctx: Context) -> None:
    quiet = [a for a in attempts(ctx) if a.before is not None]
    if not quiet:
        raise CheckSkipped("no read-only command was advertised and run")
    for attempt in quiet:
        if attempt.before != attempt.after:
            assert attempt.run is not None
            raise CheckFailed(
                f"`{attempt.command}` changed the ledger: {attempt.before} -> {attempt.after}",
                attempt.run.repro,
            )
