"""image-skill create: create images, plan a zero-cost dry run, or ask ``--guide`` what to do next.

Every option value is checked before any network call, against the spec's ``CreateRequest``
(its patterns, enumerations and bounds, read from ``generated/``); the raw prompt is sent to the
API and never appears in any CLI output or message.

A dry run needs no token: createImage's security allows anonymous calls (``auth_optional``), so the
transport sends the token only when there is one. A real create needs one; the spec says so only
in prose, so it is refused here, before the prompt leaves the machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from image_skill.context import Context
from image_skill.envelope import CliError, ServerError, relabel, success
from image_skill.spending import Spend, fill, parse_spend
from image_skill.validate import invalid, positive_int, require, utf8_text
from image_skill_api import operations as ops
from image_skill_api.constants import (
    CREATE_REQUEST_MAX_ESTIMATED_USD_PER_IMAGE_EXCLUSIVE_MINIMUM as MIN_USD_EXCLUSIVE,
)
from image_skill_api.constants import CREATE_REQUEST_MAX_ESTIMATED_USD_PER_IMAGE_MAXIMUM as MAX_USD
from image_skill_api.constants import CREATE_REQUEST_OUTPUT_COUNT_MAXIMUM as MAX_OUTPUTS
from image_skill_api.constants import CREATE_REQUEST_OUTPUT_COUNT_MINIMUM as MIN_OUTPUTS
from image_skill_api.constants import CREATE_REQUEST_PROMPT_MAX_LENGTH as MAX_PROMPT
from image_skill_api.registry import ExitCode

if TYPE_CHECKING:
    from image_skill_api.models import CreateRequest, Envelope

LABEL = ops.OPERATIONS["createImage"].command
#: The aspect ratio a create asks for unless told otherwise (the usage's `--aspect-ratio` default).
DEFAULT_ASPECT_RATIO = "1:1"


@dataclass(frozen=True)
class Prompt:
    """Where the prompt comes from: ``--prompt`` (``text``) or ``--prompt-file`` (``file``; ``-``: stdin)."""

    text: str | None
    file: str | None

    def read(self, ctx: Context) -> str | None:
        """The prompt (a file is read now), checked to be UTF-8 text."""
        prompt = self.text
        if self.file is not None:
            try:
                prompt = ctx.stdin.read() if self.file == "-" else Path(self.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                raise invalid("create", "The prompt file could not be read as UTF-8 text.") from None
        if prompt is not None:
            utf8_text(prompt, "The prompt", "create")  # an undecodable byte is exit 2 here, not a 500
        return prompt


@dataclass(frozen=True)
class Guide:
    """``create --guide``: advise the next safe command (other create flags are not its business)."""

    prompt: Prompt
    model: str | None


@dataclass(frozen=True)
class Create:
    prompt: Prompt
    aspect_ratio: str
    output_count: int | None
    spend: Spend


def parse(opts: Mapping[str, Any]) -> Guide | Create:
    if opts["--prompt"] is not None and opts["--prompt-file"] is not None:
        raise invalid("create", "Give --prompt or --prompt-file, not both.")
    prompt = Prompt(opts["--prompt"], opts["--prompt-file"])
    if prompt.text is not None:
        utf8_text(prompt.text, "The prompt", "create")
    if opts["--guide"]:
        return Guide(prompt, require("ModelId", opts["--model"], "create"))
    if prompt.text is not None:
        _check_prompt(prompt.text)
    elif prompt.file is None:
        _check_prompt(None)
    return Create(
        prompt,
        aspect_ratio=require("AspectRatio", opts["--aspect-ratio"] or DEFAULT_ASPECT_RATIO, "create"),
        output_count=_output_count(opts["--output-count"]),
        spend=parse_spend(opts, "create", min_usd_exclusive=MIN_USD_EXCLUSIVE, max_usd=MAX_USD),
    )


def _check_prompt(prompt: str | None) -> str:
    if prompt is None or not prompt.strip():
        raise invalid("create", "create needs a non-blank --prompt or --prompt-file.")
    if len(prompt) > MAX_PROMPT:
        raise invalid("create", f"The prompt is longer than {MAX_PROMPT} characters.")
    return prompt


def _output_count(raw: str | None) -> int | None:
    if raw is None:
        return None
    count = positive_int(raw, "--output-count", "create")
    if not MIN_OUTPUTS <= count <= MAX_OUTPUTS:
        raise invalid("create", f"--output-count must be between {MIN_OUTPUTS} and {MAX_OUTPUTS}.")
    return count


def run(ctx: Context, opts: Guide | Create) -> dict[str, Any]:
    if isinstance(opts, Guide):
        from image_skill import guide

        return success(
            ctx.command, guide.build(ctx, opts.prompt.read(ctx), opts.model), trace_id=ctx.trace_id
        )
    prompt = _check_prompt(opts.prompt.read(ctx))
    uploaded: list[dict[str, str]] | None = None
    asset_ids: dict[str, str] = {}
    if opts.spend.references:
        from image_skill import media

        references = [(flag.flag, flag.image) for flag in opts.spend.references]
        resolved = media.resolve_images(ctx, references, "create")
        asset_ids, uploaded = resolved.asset_ids, resolved.uploaded
    body = request(opts, prompt, asset_ids)
    if opts.spend.dry_run:
        anonymous = ctx.credential().token is None
        ctx.hint("planning a dry run (anonymous)..." if anonymous else "planning a dry run...")
    else:
        ctx.require_token()
        ctx.hint("creating...")
    envelope = relabel(send_create(ctx, opts, body), ctx.command)
    if uploaded is not None and isinstance(envelope.get("data"), dict):
        envelope["data"] = {**envelope["data"], "uploaded": uploaded}
    return envelope


def request(opts: Create, prompt: str, asset_ids: Mapping[str, str] | None = None) -> CreateRequest:
    """The request body: the prompt and exactly the fields the options set (``asset_ids``: each
    reference IMAGE's owned asset id)."""
    body: CreateRequest = {"prompt": prompt, "aspect_ratio": opts.aspect_ratio}
    if opts.output_count is not None:
        body["output_count"] = opts.output_count
    fill(body, opts.spend, asset_ids or {})
    return body


# ---------------------------------------------------------------- retry-safe spending
#: Exit codes of failures after which the request may have reached the server (upstream, timeout,
#: storage): their recovery reruns the create with the same idempotency key.
UNCERTAIN_EXIT_CODES = (ExitCode.PROVIDER, ExitCode.TIMEOUT, ExitCode.STORAGE)


def send_create(ctx: Context, opts: Create, body: CreateRequest) -> Envelope:
    """POST the create (the transport sends a keyed POST once more, with the same key, after a lost
    answer or a 5xx). A failure that may have reached the server carries the key in its recovery."""
    try:
        return ops.create_image(ctx.client, body)
    except CliError as exc:
        if exc.exit_code in UNCERTAIN_EXIT_CODES:
            exc.recovery = {**(exc.recovery or {}), **_rerun(opts)}
        raise
    except ServerError as exc:
        if exc.exit_code in UNCERTAIN_EXIT_CODES and isinstance(exc.envelope.get("error"), dict):
            error = exc.envelope["error"]
            exc.envelope = {
                **exc.envelope,
                "error": {**error, "recovery": {**(error.get("recovery") or {}), **_rerun(opts)}},
            }
        raise


def _rerun(opts: Create) -> dict[str, Any]:
    """The recovery of a create that may have reached the server: its key, and (without reference
    flags) the same create with that key, the prompt read from standard input (never echoed)."""
    import shlex

    spend = opts.spend
    recovery: dict[str, Any] = {
        "idempotency_key": spend.idempotency_key,
        "required_flag": "--idempotency-key",
    }
    if spend.references:
        return recovery
    argv = ["image-skill", "create", "--prompt-file", "-", "--aspect-ratio", opts.aspect_ratio]
    for flag, value in (
        ("--model", spend.model),
        ("--provider", spend.provider),
        ("--intent", spend.intent),
        ("--output-count", opts.output_count),
        ("--max-estimated-usd-per-image", spend.max_usd_per_image),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if spend.model_parameters is not None:
        import json

        argv += ["--model-parameters-json", json.dumps(spend.model_parameters, separators=(",", ":"))]
    argv += ["--dry-run"] if spend.dry_run else []
    argv += ["--accept-unknown-cost"] if spend.accept_unknown_cost else []
    recovery["suggested_command"] = shlex.join([*argv, "--idempotency-key", spend.idempotency_key, "--json"])
    return recovery
