"""image-skill activity list / activity show REF: the hosted activity ledger, newest first.

``list`` reads recent events (``--limit`` within the spec's bounds, ``--subject`` narrowing them to
one id); ``show`` reads one event (``evt_``) or the events about a job, asset, usage, feedback,
signal, quote, payment, receipt, credit-event, reversal or trace id. Every reference is checked
against the spec's ``ActivityReference`` before anything is sent; a well-formed id the ledger does
not know answers an empty list (an unknown ``evt_`` id: ``NOT_FOUND``, with the list command to run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import invalid, matches, positive_int
from image_skill_api import operations as ops
from image_skill_api.constants import ACTIVITY_LIMIT_MAXIMUM, ACTIVITY_LIMIT_MINIMUM
from image_skill_api.registry import ID_PATTERNS


@dataclass(frozen=True)
class ListActivity:
    limit: int
    subject: str | None


@dataclass(frozen=True)
class ShowActivity:
    ref: str


def _reference(value: str) -> str:
    if not matches("ActivityReference", value):
        pattern = ID_PATTERNS["ActivityReference"]
        prefixes = ", ".join(
            f"{word}_" for word in pattern[pattern.index("(") + 1 : pattern.index(")")].split("|")
        )
        raise invalid(
            "activity",
            f"A reference is an id starting with one of {prefixes} (then letters, digits, '.', '_' or '-').",
        )
    return value


def parse(opts: Mapping[str, Any]) -> ListActivity | ShowActivity:
    if opts["show"]:
        return ShowActivity(_reference(opts["<ref>"]))
    limit = positive_int(opts["--limit"], "--limit", "activity")
    if not ACTIVITY_LIMIT_MINIMUM <= limit <= ACTIVITY_LIMIT_MAXIMUM:
        raise invalid("activity", f"--limit must be {ACTIVITY_LIMIT_MINIMUM} to {ACTIVITY_LIMIT_MAXIMUM}.")
    subject = opts["--subject"]
    return ListActivity(limit, _reference(subject) if subject is not None else None)


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS["getActivity" if opts["show"] else "listActivity"].command


def run(ctx: Context, opts: ListActivity | ShowActivity) -> dict[str, Any]:
    if isinstance(opts, ShowActivity):
        return relabel(ops.get_activity(ctx.client, opts.ref), ctx.command)
    return relabel(ops.list_activity(ctx.client, limit=opts.limit, subject=opts.subject), ctx.command)
