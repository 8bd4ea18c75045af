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
from image_skill.envelope import relabel, success
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
def send_create(ctx: Context, opts: Create, body: CreateRequest) -> Envelope:
    """POST the create (the transport sends a keyed POST once more, with the same key, after a lost
    answer or a 5xx) through ``keyed.send``: a live create leaves its in-flight note, a retryable
    failure or Ctrl-C recovers with the same create and key, a non-retryable one by inspection."""
    from image_skill import keyed

    request = keyed.Keyed(
        opts.spend.idempotency_key,
        keyed.replay_argv("create", body),
        note=not opts.spend.dry_run,
        stdin=keyed.PROMPT_STDIN,
    )
    return keyed.send(ctx, request, lambda: ops.create_image(ctx.client, body))
