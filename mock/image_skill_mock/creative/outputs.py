"""What the creative flows leave behind, as their owner reads it back: jobs and assets (another
agent's are simply not found), and the bytes behind an asset's capability URL."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock.creative.shapes import asset_object
from image_skill_mock.errors import ApiError
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.assets import Media
from image_skill_mock.store.database import Storage


def job_data(storage: Storage, agent: Agent, job_id: str) -> dict[str, Any]:
    """``GET /v1/jobs/{job_id}``."""
    job = storage.job(agent.agent_id, job_id)
    if job is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No job with this id belongs to the caller.")
    return job_view(job)


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """``JobData``: the job, with its status (and ``state``), assets and cost mirrored on top."""
    return {
        "request": {"job_id": job["job_id"]},
        "status": job["status"],
        "state": job["status"],
        "assets": job["assets"],
        "cost": job["cost"],
        "job": job,
    }


def asset_data(storage: Storage, agent: Agent, asset_id: str, base_url: str) -> dict[str, Any]:
    """``GET /v1/assets/{asset_id}``: the asset's metadata."""
    meta = storage.asset(agent.agent_id, asset_id)
    if meta is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No asset with this id belongs to the caller.")
    return {
        "request": {"reference": asset_id, "reference_type": "asset_id"},
        "asset": {**asset_object(meta, base_url), "source": "hosted_metadata"},
    }


def media(storage: Storage, name: str) -> Media | None:
    """Where the bytes behind a capability URL's ``<asset_id>.<ext>`` are (no owner check: the URL is
    the capability; ``Storage.media_chunks`` reads them); None when there is none."""
    asset_id, _, extension = name.rpartition(".")
    return storage.media(asset_id, extension) if asset_id else None
