"""GET /v1/quota: the caller's credits and daily job cap (``image_skill_mock.ledger``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock import ledger, shapes
from image_skill_mock.auth import CLAIM_STATE, CREDENTIAL_STATUS
from image_skill_mock.pricing import UNIT
from image_skill_mock.state import Call


def get_quota(call: Call) -> dict[str, Any]:
    balance = ledger.balance(call.storage, call.require_agent(), call.now())
    daily_jobs = shapes.daily_jobs(balance)
    return {
        "authenticated": True,
        "claim_state": CLAIM_STATE,
        "token_status": CREDENTIAL_STATUS,
        "credit_unit_usd": float(UNIT),
        "limits": shapes.credit_limits(balance.credits),
        "daily_jobs": daily_jobs,
        "reset_windows": [{"name": "daily_jobs", "resets_at": daily_jobs["resets_at"]}],
    }


HANDLERS = {"getQuota": get_quota}
