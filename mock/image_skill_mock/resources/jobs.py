"""GET /v1/jobs/{job_id}: only the caller's own jobs (others' are simply not found)."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock.envelope import ApiError
from image_skill_mock.state import Call


def get_job(call: Call) -> dict[str, Any]:
    job = call.storage.job(call.require_agent().agent_id, call.path["job_id"])
    if job is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No job with this id belongs to the caller.")
    return {"job": job}


HANDLERS = {"getJob": get_job}
