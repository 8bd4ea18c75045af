"""image-skill activity list|show: part of the contract, not built in this release (see ``planned``)."""

from __future__ import annotations

from image_skill.envelope import Refusal
from image_skill.planned import usage_note, whole_noun

USAGE = """
Usage:
  image-skill activity list [--limit=N] [--subject=REF] [options]
  image-skill activity show <ref> [options]

The hosted activity ledger: recent events, or one event / the events of one job, asset, usage,
feedback or trace reference (GET /v1/activity, GET /v1/activity/{ref}).
""" + usage_note("`image-skill activity list` and `activity show`")


#: Subcommand word ("": the noun alone) -> the operation it will call.
OPERATIONS = {"list": "listActivity", "show": "getActivity"}


def unavailable(argv: list[str]) -> Refusal:
    return whole_noun("activity", argv, OPERATIONS)
