"""Keyed spending requests (create, edit, credits quote, credits buy): sending one, and what its
failures recover with.

A keyed request carries an idempotency key: sent again with the same key and body, the server
answers with the original result and never acts (or charges) twice. So:

- a **retryable** failure (``retryable: true``: a lost answer, a timeout, a 5xx, ``PROVIDER_FAILED``)
  and an **interrupt** (Ctrl-C: ``INTERRUPTED``) recover with a rerun of the same request with the
  same key (``recovery.idempotency_key`` and ``suggested_command``);
- a **non-retryable** failure never recommends a rerun: it may already have spent
  (``ARTIFACT_STORAGE_WRITE_FAILED``: generated and debited, not stored), so its recovery points to
  inspection (``inspect_commands``: ``jobs show`` when a job is named, ``activity list --subject``
  with this run's trace id, ``usage quota``); the server's own suggestion is kept unless it reruns
  the same command with the same key or none (a server's fresh key, as after a quote conflict, is a
  deliberate new request and is kept).

A create's or edit's replay is built from the request body that was sent (``replay_argv``): every
image by the asset id it became, the prompt read from standard input (``--prompt-file -``; it is
never echoed). ``send`` also keeps the in-flight note of a live create/edit (``inflight``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from image_skill import inflight
from image_skill.envelope import CliError, Interrupted, ServerError
from image_skill.suggestions import QUOTA_COMMAND
from image_skill_api.registry import ErrorCode

if TYPE_CHECKING:
    from image_skill.context import Context
    from image_skill_api.models import Envelope

#: Body field -> flag, in the order a replay writes them (``prompt`` and ``references`` aside).
FLAGS = (
    ("input_asset_id", "--input-asset-id"),
    ("mask_asset_id", "--mask"),
    ("aspect_ratio", "--aspect-ratio"),
    ("output_count", "--output-count"),
    ("model", "--model"),
    ("provider", "--provider"),
    ("intent", "--intent"),
    ("max_estimated_usd_per_image", "--max-estimated-usd-per-image"),
)
SWITCHES = (("dry_run", "--dry-run"), ("accept_unknown_cost", "--accept-unknown-cost"))
#: What a create's or edit's replay reads from standard input.
PROMPT_STDIN = "the original prompt, exactly as sent (no added newline)"
#: Failures raised before anything is sent: nothing happened, so there is nothing to inspect.
BEFORE_SENDING = frozenset({ErrorCode.AUTH_REQUIRED, ErrorCode.INVALID_ARGUMENTS})
#: Reference role -> (flag, the body field after ``@index``, and its separator).
REFERENCE_FLAGS = {
    "reference_image": ("--reference-image", "reference_task"),
    "element_frontal": ("--element-frontal", None),
    "element_reference": ("--element-reference", "reference_index"),
}


def replay_argv(noun: str, body: Mapping[str, Any]) -> list[str]:
    """``image-skill <noun> ...`` sending ``body`` again (its prompt from standard input)."""
    argv = ["image-skill", noun]
    if body.get("prompt") is not None:
        argv += ["--prompt-file", "-"]
    for field, flag in FLAGS:
        if body.get(field) is not None:
            argv += [flag, str(body[field])]
    if body.get("model_parameters") is not None:
        argv += ["--model-parameters-json", json.dumps(body["model_parameters"], separators=(",", ":"))]
    for reference in body.get("references") or ():
        flag, extra = REFERENCE_FLAGS[reference["role"]]
        suffix = f"{reference['asset_id']}@{reference['index']}"
        if extra is not None and reference.get(extra) is not None:
            suffix += f":{reference[extra]}"
        argv += [flag, suffix]
    argv += [flag for field, flag in SWITCHES if body.get(field)]
    return argv


@dataclass(frozen=True)
class Keyed:
    """One keyed request: its key, the command line that sends it again (without ``--idempotency-key``
    and ``--json``), and whether it leaves an in-flight note (a live create or edit)."""

    key: str
    replay: list[str]
    note: bool = False
    #: What standard input must carry for the replay (the prompt), when anything.
    stdin: str | None = None

    def rerun_command(self, ctx: Context) -> str:
        return ctx.with_base_url(shlex.join([*self.replay, "--idempotency-key", self.key, "--json"]))


def rerun(ctx: Context, request: Keyed) -> dict[str, Any]:
    """The recovery of a keyed request that may be sent again: its key and the same request with it."""
    recovery: dict[str, Any] = {
        "idempotency_key": request.key,
        "required_flag": "--idempotency-key",
        "suggested_command": request.rerun_command(ctx),
    }
    if request.stdin:
        recovery["stdin"] = request.stdin
    return recovery


def inspection(ctx: Context, request: Keyed, job_id: Any = None) -> dict[str, Any]:
    """Read-only commands that show what a failed keyed request did (never a rerun)."""
    commands = [f"image-skill jobs show {job_id} --json"] if isinstance(job_id, str) and job_id else []
    commands += [f"image-skill activity list --subject {ctx.trace_id} --json", QUOTA_COMMAND]
    return {"idempotency_key": request.key, "inspect_commands": [ctx.with_base_url(c) for c in commands]}


def recovery_for(
    ctx: Context, request: Keyed, retryable: bool, given: Mapping[str, Any] | None, job_id: Any = None
) -> dict[str, Any]:
    """``given`` (the registry's or the server's recovery) with this request's: a rerun with the same
    key when ``retryable``; else inspection, and no suggestion that reruns the command."""
    recovery = dict(given or {})
    if retryable:
        return {**recovery, **rerun(ctx, request)}
    recovery.update(inspection(ctx, request, job_id))
    suggested = recovery.get("suggested_command")
    if not isinstance(suggested, str) or _reruns(suggested, request):
        recovery["suggested_command"] = recovery["inspect_commands"][0]
    return recovery


def _reruns(command: str, request: Keyed) -> bool:
    """Whether ``command`` reruns ``request``: the same command (its words before the first flag) with
    its key or with none (a fresh one would be generated: a new spend). A server's suggestion of the
    same command with another key it chose (a quote conflict's fresh key) is a deliberate new request."""
    try:
        words = shlex.split(command)
    except ValueError:
        return True
    first_flag = next((i for i, word in enumerate(request.replay) if word.startswith("-")), None)
    name = request.replay[:first_flag]
    if words[: len(name)] != name:
        return False
    keys = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--idempotency-key"]
    keys += [word.split("=", 1)[1] for word in words if word.startswith("--idempotency-key=")]
    return not keys or request.key in keys


def send(ctx: Context, request: Keyed, call: Callable[[], Envelope]) -> Envelope:
    """``call()`` (the keyed POST), its failures given ``recovery_for``; Ctrl-C is ``Interrupted`` with
    the rerun. A live create/edit's in-flight note is written first and cleared on success or a
    non-retryable failure (kept after a retryable one or an interrupt)."""
    note = None
    if request.note:
        note = inflight.begin(
            ctx.config_path,
            ctx.stderr,
            command=ctx.command,
            key=request.key,
            recover_command=request.rerun_command(ctx),
            api_base_url=ctx.base_url,
            trace_id=ctx.trace_id,
        )
    try:
        envelope = call()
    except KeyboardInterrupt:
        raise Interrupted(rerun(ctx, request)) from None
    except CliError as exc:
        if exc.code not in BEFORE_SENDING:
            exc.recovery = recovery_for(ctx, request, exc.retryable, exc.recovery)
        if note is not None and not exc.retryable:
            note.clear()
        raise
    except ServerError as exc:
        error = exc.envelope.get("error")
        retryable = isinstance(error, dict) and error.get("retryable") is True
        if isinstance(error, dict):
            given = error.get("recovery") if isinstance(error.get("recovery"), dict) else None
            recovery = recovery_for(ctx, request, retryable, given, error.get("job_id"))
            exc.envelope = {**exc.envelope, "error": {**error, "recovery": recovery}}
        if note is not None and not retryable:
            note.clear()
        raise
    if note is not None:
        note.clear()
    return envelope
