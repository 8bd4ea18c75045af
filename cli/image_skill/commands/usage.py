"""image-skill usage quota (and its alias `image-skill quota`): credits, daily jobs and reset windows.

``limits`` is printed with today's meanings whatever the server's age (``compat.credit_limits``):
``remaining_credits`` the preview part, ``total_remaining_credits`` what a job can spend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.command_table import LABELS
from image_skill.compat import credit_limits
from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops


class QuotaOptions:
    """(A plain class, not a dataclass: this path stays free of ``dataclasses``.)"""

    __slots__ = ("alias",)

    def __init__(self, alias: bool) -> None:
        self.alias = alias  # called as `image-skill quota`


def parse(opts: Mapping[str, Any]) -> QuotaOptions:
    return QuotaOptions(alias=bool(opts.get("quota") and not opts.get("usage")))


def label(opts: Mapping[str, Any]) -> str:
    return LABELS["quota"] if parse(opts).alias else ops.OPERATIONS["getQuota"].command


def run(ctx: Context, opts: QuotaOptions) -> dict[str, Any]:
    envelope = relabel(ops.get_quota(ctx.client), ctx.command)
    data = envelope.get("data")
    if isinstance(data, dict) and "limits" in data:
        envelope["data"] = {**data, "limits": credit_limits(data["limits"])}
    return envelope
