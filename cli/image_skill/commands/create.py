"""image-skill create: create images, plan a zero-cost dry run, or ask ``--guide`` what to do next.

All option values are checked here before any network call; the raw prompt is sent to the API
and never appears in any CLI output or message.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from image_skill.commands.planned import NotYet
from image_skill.context import Context
from image_skill.envelope import relabel, success
from image_skill.validate import invalid, json_object, positive_int, require, utf8_text
from image_skill_api import operations as ops
from image_skill_api.registry import ENUMS

USAGE = """
Usage:
  image-skill create [--guide] [--prompt=TEXT] [--prompt-file=PATH] [--model=ID] [--provider=P]
      [--intent=I] [--aspect-ratio=R] [--output-count=N] [--max-estimated-usd-per-image=USD]
      [--model-parameters-json=JSON] [--dry-run] [--accept-unknown-cost] [options]

Options:
  --guide                            Advise the next safe command instead of creating (never mutates).
  --prompt=TEXT                      What to create.
  --prompt-file=PATH                 Read the prompt from a file (`-` for standard input).
  --model=ID                         A model id (default: the hosted quality-first policy).
  --provider=P                       fal, xai or openai: the strongest executable model of it within budget.
  --intent=I                         explore, draft, final, finalize, product or hero.
  --aspect-ratio=R                   W:H [default: 1:1].
  --output-count=N                   Outputs in one request (up to the model's limit).
  --max-estimated-usd-per-image=USD  Refuse models whose estimated per-image price is higher.
  --model-parameters-json=JSON       Model-specific controls as a JSON object (see `models show`).
  --dry-run                          Plan only: a stored plan receipt, no provider call, no debit.
  --accept-unknown-cost              Allow a model whose price is only known after execution.

A dry run needs no token (without one it is planned anonymously and nothing is stored).
The contract's reference flags (--reference-image, --element-frontal, --element-reference) are
not available in this CLI release yet.
"""

#: The contract's reference flags; this release does not build them yet (they need upload).
REFERENCE_FLAGS = ("--reference-image", "--element-frontal", "--element-reference")


def unavailable(argv: list[str]) -> NotYet | None:
    """A create command line with reference flags is a contract command this release cannot run."""
    used = sorted({arg.split("=", 1)[0] for arg in argv} & set(REFERENCE_FLAGS))
    if not used:
        return None
    return NotYet(
        "image-skill create",
        f"`image-skill create {' '.join(used)}`",
        "image-skill help create --json",
        "create without reference flags runs.",
    )


def read_prompt(ctx: Context, opts: dict[str, Any]) -> str | None:
    if opts["--prompt"] is not None and opts["--prompt-file"] is not None:
        raise invalid(ctx, "create", "Give --prompt or --prompt-file, not both.")
    source = opts["--prompt-file"]
    if source is None:
        prompt: str | None = opts["--prompt"]
        return prompt
    try:
        return ctx.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise invalid(ctx, "create", "The prompt file could not be read as UTF-8 text.") from None


def _budget(ctx: Context, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0 or value > 100:
        raise invalid(
            ctx, "create", "--max-estimated-usd-per-image must be a number of USD above 0 (at most 100)."
        )
    return value


def _model_parameters(ctx: Context, raw: str) -> dict[str, Any]:
    return json_object(ctx, raw, "--model-parameters-json", "create")  # bounded depth, no NaN, UTF-8


def build_request(ctx: Context, opts: dict[str, Any], prompt: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt": prompt,
        "aspect_ratio": require(ctx, "AspectRatio", opts["--aspect-ratio"] or "1:1", "create"),
    }
    if opts["--model"]:
        body["model"] = require(ctx, "ModelId", opts["--model"], "create")
    if opts["--provider"]:
        body["provider"] = require(ctx, "Provider", opts["--provider"], "create", enum=ENUMS["Provider"])
    if opts["--intent"]:
        body["intent"] = require(ctx, "Intent", opts["--intent"], "create", enum=ENUMS["Intent"])
    if opts["--output-count"] is not None:
        count = positive_int(ctx, opts["--output-count"], "--output-count", "create")
        if count > 10:
            raise invalid(ctx, "create", "--output-count must be between 1 and 10.")
        body["output_count"] = count
    if opts["--max-estimated-usd-per-image"] is not None:
        body["max_estimated_usd_per_image"] = _budget(ctx, opts["--max-estimated-usd-per-image"])
    if opts["--model-parameters-json"] is not None:
        body["model_parameters"] = _model_parameters(ctx, opts["--model-parameters-json"])
    if opts["--dry-run"]:
        body["dry_run"] = True
    if opts["--accept-unknown-cost"]:
        body["accept_unknown_cost"] = True
    return body


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill create"
    prompt = read_prompt(ctx, opts)
    if prompt is not None:
        utf8_text(ctx, prompt, "The prompt", "create")  # an undecodable byte is exit 2 here, not a 500
    if opts["--guide"]:
        from image_skill import guide

        model = require(ctx, "ModelId", opts["--model"], "create")
        return success(ctx.command, guide.build(ctx, prompt, model), trace_id=ctx.trace_id)
    if prompt is None or not prompt.strip():
        raise invalid(ctx, "create", "create needs a non-blank --prompt or --prompt-file.")
    if len(prompt) > 8000:
        raise invalid(ctx, "create", "The prompt is longer than 8000 characters.")
    body = build_request(ctx, opts, prompt)
    if body.get("dry_run") and ctx.token() is None:
        # createImage's security allows no credentials for a dry run: plan it anonymously.
        ctx.hint("planning a dry run (anonymous)...")
        anonymous = ops.OPERATIONS["createImage"]._replace(auth=False)
        return relabel(ctx.client.call(anonymous, body=body), ctx.command)
    ctx.require_token()
    ctx.hint("creating..." if not body.get("dry_run") else "planning a dry run...")
    return relabel(ops.create_image(ctx.client, body), ctx.command)  # type: ignore[arg-type]
