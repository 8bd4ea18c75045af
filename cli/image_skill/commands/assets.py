"""image-skill assets show REF / assets get REF: metadata, and a safe download.

REF is an asset id or an Image Skill-owned media URL (the hosted media base, or this API's own
media path); any other URL is refused. ``get`` never touches an existing file without
``--overwrite`` and never leaves a partial file (see ``Transport.download``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill.validate import invalid
from image_skill_api import operations as ops
from image_skill_api.registry import ID_PATTERNS, MOCK_MEDIA_PATH, OWNED_MEDIA_BASE_URL, ErrorCode

USAGE = """
Usage:
  image-skill assets show <ref> [options]
  image-skill assets get <ref> [--output=PATH] [--overwrite] [options]

Options:
  --output=PATH  Where to write the file (default: ./<asset_id>.<ext>).
  --overwrite    Replace an existing output file.
"""

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/avif": "avif",
}


def _owned_prefixes(ctx: Context) -> tuple[str, ...]:
    return (OWNED_MEDIA_BASE_URL, ctx.base_url + MOCK_MEDIA_PATH)


def parse_reference(ctx: Context, ref: str) -> tuple[str, str]:
    """(asset_id, reference_type) for an asset id or an owned media URL."""
    if re.match(ID_PATTERNS["AssetId"], ref):
        return ref, "asset_id"
    for prefix in _owned_prefixes(ctx):
        if ref.startswith(prefix):
            stem, dot, ext = ref[len(prefix) :].rpartition(".")
            if dot and ext in EXTENSIONS.values() and re.match(ID_PATTERNS["AssetId"], stem):
                return stem, "owned_url"
    if "://" in ref:
        raise CliError(
            ErrorCode.EXTERNAL_URL_REJECTED,
            "Only Image Skill asset ids and owned media URLs are accepted; external URLs are refused.",
        )
    raise invalid(ctx, "assets", "This is neither an asset id nor an owned media URL.")


def _show(ctx: Context, ref: str) -> dict[str, Any]:
    asset_id, reference_type = parse_reference(ctx, ref)
    ctx.require_token()
    envelope = ops.get_asset(ctx.client, asset_id)
    data = {**envelope["data"], "request": {"reference": ref, "reference_type": reference_type}}
    return {**envelope, "data": data}


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ref = opts["<ref>"]
    if opts["show"]:
        ctx.command = "image-skill assets show"
        return relabel(_show(ctx, ref), ctx.command)
    ctx.command = "image-skill assets get"
    parse_reference(ctx, ref)  # refuse external URLs before anything else
    envelope = _show(ctx, ref)
    asset = envelope["data"]["asset"]
    url = str(asset["url"])
    if not url.startswith(_owned_prefixes(ctx)):
        raise CliError(
            ErrorCode.EXTERNAL_URL_REJECTED, "The asset URL is not an Image Skill-owned media URL."
        )
    ext = EXTENSIONS.get(asset["mime_type"], "bin")
    dest = Path(opts["--output"]) if opts["--output"] else Path(f"{asset['asset_id']}.{ext}")
    if dest.is_dir():
        dest = dest / f"{asset['asset_id']}.{ext}"
    if dest.exists() and not opts["--overwrite"]:
        raise CliError(ErrorCode.OUTPUT_EXISTS, "The output file already exists; it was left untouched.")
    if not dest.absolute().parent.is_dir():
        raise CliError(ErrorCode.OUTPUT_WRITE_FAILED, "The output directory does not exist.")
    output = ctx.client.download(
        url, dest, overwrite=bool(opts["--overwrite"]), expected_sha256=asset.get("sha256")
    )
    data = {"request": envelope["data"]["request"], "asset": asset, "output": output}
    return {**envelope, "command": ctx.command, "data": data}
