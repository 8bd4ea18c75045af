"""image-skill edit: edit an owned image with one hosted edit model (``POST /v1/edit``).

Every flag is checked first (the spec's ``EditRequest`` bounds, the reference-flag grammar,
provider-native keys in ``--model-parameters-json``): a bad one is exit 2 before anything is read
or sent. Then ``--input``, ``--mask`` and every reference IMAGE go through the upload resolver
(``media.resolve_images``: asset ids and owned URLs as they are; paths and URLs read, sniffed, all
of them before the first upload, then uploaded once each), and only asset ids reach the API.
The envelope is the server's (``CreativeData``, like create's), plus ``data.uploaded``: the asset
id each uploaded argument became (``[{for, asset_id}]``, empty when nothing was uploaded), so a
retry can reuse them. The prompt (``--prompt``, or ``--prompt-file``, ``-`` for standard input),
paths and URLs never appear in any output. A live edit is sent through ``keyed.send``: its
in-flight note, and recoveries that rerun it with the same key only when that is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from image_skill import media
from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.spending import Spend, fill, parse_spend
from image_skill.validate import invalid, require, utf8_text
from image_skill_api import operations as ops
from image_skill_api.constants import (
    EDIT_REQUEST_MAX_ESTIMATED_USD_PER_IMAGE_EXCLUSIVE_MINIMUM as MIN_USD_EXCLUSIVE,
)
from image_skill_api.constants import EDIT_REQUEST_MAX_ESTIMATED_USD_PER_IMAGE_MAXIMUM as MAX_USD
from image_skill_api.constants import EDIT_REQUEST_PROMPT_MAX_LENGTH as MAX_PROMPT

if TYPE_CHECKING:
    from image_skill_api.models import EditRequest, Envelope

LABEL = ops.OPERATIONS["editImage"].command
NOUN = "edit"
#: What edit asks for unless told otherwise: keep the input's aspect ratio (the usage's default).
DEFAULT_ASPECT_RATIO = "auto"


@dataclass(frozen=True)
class Edit:
    input: str
    mask: str | None
    prompt: str | None
    aspect_ratio: str
    spend: Spend
    prompt_file: str | None = None


def parse(opts: Mapping[str, Any]) -> Edit:
    if opts["--input-asset-id"] is not None:
        source = require("AssetId", opts["--input-asset-id"], NOUN)
    else:
        source = utf8_text(str(opts["--input"]), "--input", NOUN)
    mask = None if opts["--mask"] is None else utf8_text(str(opts["--mask"]), "--mask", NOUN)
    prompt = opts["--prompt"]
    if prompt is not None and opts.get("--prompt-file") is not None:
        raise invalid(NOUN, "Give --prompt or --prompt-file, not both.")
    if prompt is not None:
        _check_prompt(prompt)
    return Edit(
        input=source,
        mask=mask,
        prompt=prompt,
        aspect_ratio=require("AspectRatio", opts["--aspect-ratio"] or DEFAULT_ASPECT_RATIO, NOUN),
        spend=parse_spend(opts, NOUN, min_usd_exclusive=MIN_USD_EXCLUSIVE, max_usd=MAX_USD),
        prompt_file=opts.get("--prompt-file"),
    )


def _check_prompt(prompt: str) -> str:
    utf8_text(prompt, "The prompt", NOUN)
    if not prompt.strip():
        raise invalid(NOUN, "The prompt must not be blank (leave it out to edit without one).")
    if len(prompt) > MAX_PROMPT:
        raise invalid(NOUN, f"The prompt is longer than {MAX_PROMPT} characters.")
    return prompt


def _read_prompt(ctx: Context, opts: Edit) -> str | None:
    """``--prompt``, or ``--prompt-file`` read now (``-``: standard input), checked."""
    if opts.prompt_file is None:
        return opts.prompt
    try:
        if opts.prompt_file == "-":
            text = ctx.stdin.read()
        else:
            text = Path(opts.prompt_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise invalid(NOUN, "The prompt file could not be read as UTF-8 text.") from None
    return _check_prompt(text)


def run(ctx: Context, opts: Edit) -> dict[str, Any]:
    ctx.require_token()  # every edit needs one (before anything is read or uploaded)
    images = [("--input", opts.input)]
    if opts.mask is not None:
        images.append(("--mask", opts.mask))
    images += [(flag.flag, flag.image) for flag in opts.spend.references]
    prompt = _read_prompt(ctx, opts)
    resolved = media.resolve_images(ctx, images, NOUN)
    body = request(opts, resolved.asset_ids, prompt)
    ctx.hint("planning an edit..." if opts.spend.dry_run else "editing...")
    envelope = relabel(send_edit(ctx, opts, body), ctx.command)
    if isinstance(envelope.get("data"), dict):
        envelope["data"] = {**envelope["data"], "uploaded": resolved.uploaded}
    return envelope


def request(opts: Edit, asset_ids: Mapping[str, str], prompt: str | None = None) -> EditRequest:
    """The request body: asset ids for every image, and exactly the fields the options set."""
    body: EditRequest = {"input_asset_id": asset_ids[opts.input], "aspect_ratio": opts.aspect_ratio}
    if opts.mask is not None:
        body["mask_asset_id"] = asset_ids[opts.mask]
    prompt = opts.prompt if prompt is None else prompt
    if prompt is not None:
        body["prompt"] = prompt
    fill(body, opts.spend, asset_ids)
    return body


def send_edit(ctx: Context, opts: Edit, body: EditRequest) -> Envelope:
    """POST the edit through ``keyed.send`` (as ``create.send_create``): its replay names every image
    by asset id and reads the prompt, when there is one, from standard input."""
    from image_skill import keyed

    request = keyed.Keyed(
        opts.spend.idempotency_key,
        keyed.replay_argv(NOUN, body),
        note=not opts.spend.dry_run,
        stdin=keyed.PROMPT_STDIN if "prompt" in body else None,
    )
    return keyed.send(ctx, request, lambda: ops.edit_image(ctx.client, body))
