"""image-skill edit: part of the contract, not built in this release (see ``planned``)."""

from __future__ import annotations

from image_skill.envelope import Refusal
from image_skill.planned import usage_note, whole_noun

USAGE = """
Usage:
  image-skill edit (--input=REF | --input-asset-id=ID) [--mask=REF] [--prompt=TEXT] [--model=ID]
      [--provider=P] [--intent=I] [--aspect-ratio=R] [--reference-image=IMAGE@INDEX[:TASK]]...
      [--element-frontal=IMAGE@ELEMENT]... [--element-reference=IMAGE@ELEMENT:REF]...
      [--max-estimated-usd-per-image=USD] [--model-parameters-json=JSON] [--dry-run]
      [--accept-unknown-cost] [options]

Edits an Image Skill-owned input asset (or a local path / URL uploaded first) with one hosted
edit model (POST /v1/edit).
""" + usage_note("`image-skill edit`")


#: Subcommand word ("": the noun alone) -> the operation it will call.
OPERATIONS = {"": "editImage"}


def unavailable(argv: list[str]) -> Refusal:
    return whole_noun("edit", argv, OPERATIONS)
