"""GET /v1/assets/{asset_id}: the caller's asset metadata (others' are simply not found)."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock.envelope import ApiError
from image_skill_mock.shapes import asset_object
from image_skill_mock.state import Call


def get_asset(call: Call) -> dict[str, Any]:
    asset_id = call.path["asset_id"]
    meta = call.storage.asset(call.require_agent().agent_id, asset_id)
    if meta is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No asset with this id belongs to the caller.")
    return {
        "request": {"reference": asset_id, "reference_type": "asset_id"},
        "asset": {**asset_object(meta, call.base_url), "source": "hosted_metadata"},
    }


HANDLERS = {"getAsset": get_asset}
