"""image-skill assets show REF / assets get REF: metadata, and a safe download.

REF is an asset id or an Image Skill-owned media URL (the hosted media base, or this API's own
media path); any other URL is refused. ``get`` never touches an existing file without
``--overwrite``, replaces only a regular file (a symlink to one is replaced itself, never its
target) and never leaves a partial file (see ``Transport.download``).

The server's reply is not trusted with the file system: the default file name is derived from the
asset id only when it is a well-formed asset id (so it is one plain name in the current
directory), and the media URL must be an owned ``<asset_id>.<ext>`` URL; anything else is
``HOSTED_API_BAD_RESPONSE`` (exit 7) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_skill.command_table import LABELS
from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill.validate import invalid, matches, output_exists, utf8_text
from image_skill_api import operations as ops
from image_skill_api.registry import MOCK_MEDIA_PATH, OWNED_MEDIA_BASE_URL, ErrorCode

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/avif": "avif",
}


def _owned_prefixes(ctx: Context) -> tuple[str, ...]:
    return (OWNED_MEDIA_BASE_URL, ctx.base_url + MOCK_MEDIA_PATH)


def _owned_asset_id(ctx: Context, url: str) -> str | None:
    """The asset id of an owned media URL ``<owned prefix><asset_id>.<ext>``, else None."""
    for prefix in _owned_prefixes(ctx):
        if url.startswith(prefix):
            stem, dot, ext = url[len(prefix) :].rpartition(".")
            if dot and ext in EXTENSIONS.values() and matches("AssetId", stem):
                return stem
    return None


def parse_reference(ctx: Context, ref: str) -> tuple[str, str]:
    """(asset_id, reference_type) for an asset id or an owned media URL."""
    if matches("AssetId", ref):
        return ref, "asset_id"
    owned = _owned_asset_id(ctx, ref)
    if owned is not None:
        return owned, "owned_url"
    if "://" in ref:
        raise CliError(
            ErrorCode.EXTERNAL_URL_REJECTED,
            "Only Image Skill asset ids and owned media URLs are accepted; external URLs are refused.",
        )
    raise invalid("assets", "This is neither an asset id nor an owned media URL.")


def _show(ctx: Context, ref: str) -> dict[str, Any]:
    asset_id, reference_type = parse_reference(ctx, ref)
    envelope = ops.get_asset(ctx.client, asset_id)
    if not isinstance(envelope.get("data"), dict):
        raise _bad_reply("there is no data object")
    data = {**envelope["data"], "request": {"reference": ref, "reference_type": reference_type}}
    return {**envelope, "data": data}


def _bad_reply(what: str) -> CliError:
    return CliError(
        ErrorCode.HOSTED_API_BAD_RESPONSE,
        f"The hosted API's asset metadata is unusable: {what}; nothing was written.",
    )


def _checked_asset(ctx: Context, envelope: dict[str, Any]) -> dict[str, Any]:
    """The reply's ``data.asset``, when every field a download relies on is well-formed."""
    data = envelope.get("data")
    asset = data.get("asset") if isinstance(data, dict) else None
    if not isinstance(asset, dict):
        raise _bad_reply("there is no asset object")
    if not matches("AssetId", asset.get("asset_id")):
        raise _bad_reply("the asset id is not a well-formed asset id")
    url = asset.get("url")
    if not isinstance(url, str):
        raise _bad_reply("the media URL is missing")
    if not url.startswith(_owned_prefixes(ctx)):
        raise CliError(
            ErrorCode.EXTERNAL_URL_REJECTED, "The asset URL is not an Image Skill-owned media URL."
        )
    if _owned_asset_id(ctx, url) is None:
        raise _bad_reply("the media URL is not an owned <asset_id>.<ext> URL")
    if not isinstance(asset.get("mime_type"), str | None):
        raise _bad_reply("the MIME type is not a string")
    if not isinstance(asset.get("sha256"), str | None):
        raise _bad_reply("the sha256 is not a string")
    return asset


@dataclass(frozen=True)
class ShowAsset:
    ref: str  # an asset id or an owned media URL (checked against this run's API when it runs)


@dataclass(frozen=True)
class GetAsset:
    ref: str
    output: str | None  # a file or a directory; None: ./<asset_id>.<ext>
    overwrite: bool


def parse(opts: Mapping[str, Any]) -> ShowAsset | GetAsset:
    if opts["show"]:
        return ShowAsset(opts["<ref>"])
    return GetAsset(opts["<ref>"], output=opts["--output"], overwrite=bool(opts["--overwrite"]))


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS["getAsset"].command if opts["show"] else LABELS["assets get"]


def run(ctx: Context, opts: ShowAsset | GetAsset) -> dict[str, Any]:
    if isinstance(opts, GetAsset):
        return get(ctx, opts)
    return relabel(_show(ctx, opts.ref), ctx.command)


def get(ctx: Context, opts: GetAsset) -> dict[str, Any]:
    parse_reference(ctx, opts.ref)  # refuse external URLs before anything else
    if opts.output is not None:
        utf8_text(opts.output, "--output", "assets")  # it is reported in data.output.path
    envelope = _show(ctx, opts.ref)
    asset = _checked_asset(ctx, envelope)
    name = f"{asset['asset_id']}.{EXTENSIONS.get(asset.get('mime_type') or '', 'bin')}"
    from image_skill.transport.download import check_output_name

    dest = Path(opts.output) if opts.output else Path(name)
    check_output_name(dest)  # an over-long name is OUTPUT_WRITE_FAILED, never an OSError below
    if opts.output and dest.is_dir():
        dest = dest / name
    output_exists(dest, overwrite=opts.overwrite)
    if not dest.absolute().parent.is_dir():
        raise CliError(ErrorCode.OUTPUT_WRITE_FAILED, "The output directory does not exist.")
    output = ctx.client.download(
        str(asset["url"]), dest, overwrite=opts.overwrite, expected_sha256=asset.get("sha256")
    )
    data = {"request": envelope["data"]["request"], "asset": asset, "output": output}
    return {**envelope, "command": ctx.command, "data": data}
