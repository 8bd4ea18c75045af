"""image-skill upload PATH_OR_URL: a local file or a remote image becomes an owned input asset.

The bytes are read client-side (``image_skill.media``: sniffed, measured, hashed; a remote URL is
fetched by the CLI and spooled to a temporary file) and streamed to ``POST /v1/upload``. The
envelope is the server's: ``request`` (source kind, base name, remote origin), ``asset`` (``kind:
uploaded``) and ``upload`` (bytes, MIME type, sha256, policy); never a path, a URL, bytes or base64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from image_skill import config, media
from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import utf8_text
from image_skill_api import operations as ops

LABEL = ops.OPERATIONS["uploadAsset"].command
WHAT = "The upload source"


@dataclass(frozen=True)
class Upload:
    source: str


def parse(opts: Mapping[str, Any]) -> Upload:
    return Upload(utf8_text(str(opts["<path_or_url>"]), "The path or URL", "upload"))


def run(ctx: Context, opts: Upload) -> dict[str, Any]:
    ref = media.classify(opts.source, base_url=ctx.base_url, what=WHAT, noun="upload", assets=False)
    if isinstance(ref, media.AssetRef):  # (classify never answers this without assets=True)
        raise AssertionError("upload reads paths and URLs only")
    ctx.require_token()  # before anything is read or fetched
    source = media.read_source(ref, timeout=config.read_timeout(ctx.env), what=WHAT, noun="upload")
    return relabel(media.upload(ctx, source), ctx.command)
