"""Tag ``resources``: the caller's jobs and assets (``creative.outputs``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.creative import outputs
from image_skill_mock.http.call import Call


def get_job(call: Call) -> dict[str, Any]:
    return outputs.job_data(call.storage, call.require_agent(), call.path["job_id"])


def get_asset(call: Call) -> dict[str, Any]:
    return outputs.asset_data(call.storage, call.require_agent(), call.path["asset_id"], call.base_url)


HANDLERS = {"getJob": get_job, "getAsset": get_asset}
