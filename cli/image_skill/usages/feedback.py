"""image-skill feedback create: part of the contract, not built in this release (see ``planned``)."""

from __future__ import annotations

from image_skill.envelope import Refusal
from image_skill.planned import usage_note, whole_noun

USAGE = """
Usage:
  image-skill feedback create [--type=T] [--title=TEXT] [--body=TEXT] [--command=TEXT]
      [--expected=TEXT] [--actual=TEXT] [--friction=TEXT] [--proof-needed=TEXT]
      [--strategic-reason=TEXT] [--dedupe-key=KEY] [--source=S] [--trace-id=ID]
      [--surface=LIST] [--evidence=ITEM]... [--severity=S] [--confidence=C]
      [--next-state=S] [--allow-weak-signal] [options]

Leaves structured product feedback in hosted product memory (POST /v1/feedback).
""" + usage_note("`image-skill feedback create`")


#: Subcommand word ("": the noun alone) -> the operation it will call.
OPERATIONS = {"create": "createFeedback"}


def unavailable(argv: list[str]) -> Refusal:
    return whole_noun("feedback", argv, OPERATIONS)
