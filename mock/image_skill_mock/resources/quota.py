"""Credits and the daily job cap (UTC days), shared by GET /v1/quota and the creative checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from image_skill_mock.pricing import UNIT
from image_skill_mock.state import Call, timestamp
from image_skill_mock.storage import Agent, Storage


@dataclass(frozen=True)
class Balance:
    granted: int
    consumed: int
    jobs_today: int
    job_limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.granted - self.consumed)

    @property
    def jobs_remaining(self) -> int:
        return max(0, self.job_limit - self.jobs_today)

    def seconds_until_reset(self, now: datetime) -> int:
        return max(0, int((self.resets_at - now).total_seconds()))


def day_of(now: datetime) -> str:
    return now.date().isoformat()


def balance(storage: Storage, agent: Agent, now: datetime) -> Balance:
    midnight = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)
    return Balance(
        granted=agent.preview_credits,
        consumed=storage.consumed_credits(agent.agent_id),
        jobs_today=storage.jobs_on_day(agent.agent_id, day_of(now)),
        job_limit=agent.daily_job_limit,
        resets_at=midnight,
    )


def get_quota(call: Call) -> dict[str, Any]:
    b = balance(call.storage, call.require_agent(), call.now())
    resets_at = timestamp(b.resets_at)
    return {
        "authenticated": True,
        "claim_state": "unclaimed",
        "token_status": "active",
        "credit_unit_usd": float(UNIT),
        "limits": {
            "remaining_credits": b.remaining,
            "preview_remaining_credits": b.remaining,
            "payment_backed_remaining_credits": 0,
            "consumed_credits": b.consumed,
        },
        "daily_jobs": {
            "limit": b.job_limit,
            "used": b.jobs_today,
            "remaining": b.jobs_remaining,
            "resets_at": resets_at,
        },
        "reset_windows": [{"name": "daily_jobs", "resets_at": resets_at}],
    }


HANDLERS = {"getQuota": get_quota}
