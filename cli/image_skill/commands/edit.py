"""image-skill edit: edit an owned image with one hosted edit model (``POST /v1/edit``).

Every flag is checked first (the spec's ``EditRequest`` bounds, the reference-flag grammar,
provider-native keys in ``--model-parameters-json``): a bad one is exit 2 before anything is read
or sent. Then ``--input``, ``--mask`` and every reference IMAGE go through the upload resolver
(``media.resolve_images``: asset ids and owned URLs as they are; paths and URLs read, sniffed, all
of them before the first upload, then uploaded once each), and only asset ids reach the API.
The envelope is the server's (``CreativeData``, like create's), plus ``data.uploaded``: the asset
id each uploaded argument became (``[{for, asset_id}]``, empty when nothing was uploaded), so a
retry can reuse them. The prompt, paths and URLs never appear in any output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    from image_skill_api.models import EditRequest

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


def parse(opts: Mapping[str, Any]) -> Edit:
    if opts["--input-asset-id"] is not None:
        source = require("AssetId", opts["--input-asset-id"], NOUN)
    else:
        source = utf8_text(str(opts["--input"]), "--input", NOUN)
    mask = None if opts["--mask"] is None else utf8_text(str(opts["--mask"]), "--mask", NOUN)
    prompt = opts["--prompt"]
    if prompt is not None:
        utf8_text(prompt, "The prompt", NOUN)
        if not prompt.strip():
            raise invalid(NOUN, "--prompt must not be blank (leave it out to edit without one).")
        if len(prompt) > MAX_PROMPT:
            raise invalid(NOUN, f"The prompt is longer than {MAX_PROMPT} characters.")
    return Edit(
        input=source,
        mask=mask,
        prompt=prompt,
        aspect_ratio=require("AspectRatio", opts["--aspect-ratio"] or DEFAULT_ASPECT_RATIO, NOUN),
        spend=parse_spend(opts, NOUN, min_usd_exclusive=MIN_USD_EXCLUSIVE, max_usd=MAX_USD),
    )


def run(ctx: Context, opts: Edit) -> dict[str, Any]:
    ctx.require_token()  # every edit needs one (before anything is read or uploaded)
    images = [("--input", opts.input)]
    if opts.mask is not None:
        images.append(("--mask", opts.mask))
    images += [(flag.flag, flag.image) for flag in opts.spend.references]
    resolved = media.resolve_images(ctx, images, NOUN)
    body = request(opts, resolved.asset_ids)
    ctx.hint("planning an edit..." if opts.spend.dry_run else "editing...")
    envelope = relabel(ops.edit_image(ctx.client, body), ctx.command)
    if isinstance(envelope.get("data"), dict):
        envelope["data"] = {**envelope["data"], "uploaded": resolved.uploaded}
    return envelope


def request(opts: Edit, asset_ids: Mapping[str, str]) -> EditRequest:
    """The request body: asset ids for every image, and exactly the fields the options set."""
    body: EditRequest = {"input_asset_id": asset_ids[opts.input], "aspect_ratio": opts.aspect_ratio}
    if opts.mask is not None:
        body["mask_asset_id"] = asset_ids[opts.mask]
    if opts.prompt is not None:
        body["prompt"] = opts.prompt
    fill(body, opts.spend, asset_ids)
    return body
