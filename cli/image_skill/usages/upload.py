"""image-skill upload: part of the contract, not built in this release (see ``planned``)."""

from __future__ import annotations

from image_skill.envelope import Refusal
from image_skill.planned import usage_note, whole_noun

USAGE = """
Usage:
  image-skill upload <path_or_url> [options]

Normalizes a local image path or a remote image URL into an Image Skill-owned input asset
(read client-side, sent as bytes to POST /v1/upload).
""" + usage_note("`image-skill upload`")


#: Subcommand word ("": the noun alone) -> the operation it will call.
OPERATIONS = {"": "uploadAsset"}


def unavailable(argv: list[str]) -> Refusal:
    return whole_noun("upload", argv, OPERATIONS)
