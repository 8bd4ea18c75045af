"""Tag ``quota``: ``GET /v1/quota``, the caller's credits and daily job cap (``ledger.credits``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.ledger import credits


def get_quota(call: Call) -> dict[str, Any]:
    return credits.quota_data(call.storage, call.require_agent(), call.now())


HANDLERS = {"getQuota": get_quota}
