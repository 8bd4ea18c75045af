"""image-skill models [list] / models show MODEL_ID."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import require
from image_skill_api import operations as ops
from image_skill_api.registry import ENUMS

USAGE = """
Usage:
  image-skill models [list] [--available] [--executable] [--catalog-only] [--operation=OP]
      [--provider=P] [options]
  image-skill models show <model_id> [options]

Options:
  --available      Only models usable now (available and executable).
  --executable     Only executable models.
  --catalog-only   Only cataloged rows that are inspectable but not runnable yet.
  --operation=OP   image.generate or image.edit.
  --provider=P     fal, xai or openai.
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    if opts["show"]:
        ctx.command = "image-skill models show"
        model_id = require(ctx, "ModelId", opts["<model_id>"], "models")
        return relabel(ops.get_model(ctx.client, model_id), ctx.command)
    ctx.command = "image-skill models list"
    operation = require(ctx, "Operation", opts["--operation"], "models", enum=ENUMS["Operation"])
    provider = require(ctx, "Provider", opts["--provider"], "models", enum=ENUMS["Provider"])
    envelope = ops.list_models(
        ctx.client,
        available=True if opts["--available"] else None,
        executable=True if opts["--available"] or opts["--executable"] else None,
        catalog_only=True if opts["--catalog-only"] else None,
        operation=operation,
        provider=provider,
    )
    return relabel(envelope, ctx.command)
