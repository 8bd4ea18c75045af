"""A real job's outputs, drawn from its ``Work`` (what rendering needs, JSON-able so a queued job
keeps it in the store until it runs): the provider call, where injected provider faults fire."""

from __future__ import annotations

import hashlib
from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock import ids
from image_skill_mock.creative import shapes, sniff
from image_skill_mock.creative.render import render_edit_png, render_png, with_references
from image_skill_mock.creative.request import Plan, Run
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.store.assets import NewAsset, StoredAsset
from image_skill_mock.store.database import Storage

#: A job's work: job_id, agent_id, verb, prompt, seed, width, height, count, inputs, mask,
#: references (asset ids), fault (a fault name or None), trace_id, base_url, debit, usage_event_id.
Work = dict[str, Any]


def work_of(run: Run, planned: Plan, job_id: str) -> Work:
    """What rendering ``run``'s job needs (a real job: ``run.agent`` is set)."""
    assert run.agent is not None
    request = run.request
    return {
        "job_id": job_id,
        "agent_id": run.agent.agent_id,
        "verb": request.verb,
        "prompt": request.prompt,
        "seed": int(planned.parameters.effective.get("seed", 0)),
        "width": planned.price.width,
        "height": planned.price.height,
        "count": request.output_count,
        "inputs": list(request.inputs),
        "mask": request.mask,
        "references": [str(reference["asset_id"]) for reference in request.references],
        "fault": run.call.fault.name if run.call.fault else None,
        "trace_id": run.call.trace_id,
        "base_url": run.call.base_url,
        "debit": planned.price.credits,
        "usage_event_id": None,
    }


def outputs(storage: Storage, work: Work, *, stamp: str) -> list[NewAsset]:
    """The outputs of a job (the seed of output ``i`` is the job's seed plus ``i``)."""
    if work["fault"] == faults.PROVIDER_FAILED:
        raise faults.provider_failed()
    if work["fault"] == faults.PROVIDER_TIMEOUT:
        raise faults.provider_timeout()
    drawn = []
    for index in range(work["count"]):
        data = _draw(storage, work, seed=work["seed"] + index)
        meta = StoredAsset(
            asset_id=ids.new_asset_id(),
            agent_id=work["agent_id"],
            job_id=work["job_id"],
            kind="generated",
            mime_type=shapes.OUTPUT_MIME_TYPE,
            extension="png",
            width=work["width"],
            height=work["height"],
            sha256=hashlib.sha256(data).hexdigest(),
            content_length=len(data),
            created_at=stamp,
        )
        drawn.append(NewAsset(meta, data))
    return drawn


def _draw(storage: Storage, work: Work, *, seed: int) -> bytes:
    """One output: a create drawn from the prompt, an edit drawn from its input (and mask); either
    carries its references' dominant colours."""
    agent_id, width, height = work["agent_id"], work["width"], work["height"]

    def read(asset_id: str) -> bytes:
        data = storage.asset_bytes(agent_id, asset_id)
        assert data is not None, "check_inputs proved every input is the caller's"
        return data

    colours = [sniff.dominant_colour(read(asset_id)) for asset_id in work["references"]]
    if work["verb"] != "edit":
        drawn = render_png(prompt=work["prompt"], seed=seed, width=width, height=height)
        return with_references(drawn, colours)
    mask = read(work["mask"]) if work["mask"] else None
    try:
        return render_edit_png(
            source=read(work["inputs"][0]),
            mask=mask,
            colours=colours,
            prompt=work["prompt"],
            seed=seed,
            width=width,
            height=height,
        )
    except (OSError, ValueError, SyntaxError):  # Pillow's ways of refusing a corrupt or exotic image
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED, "The input or mask could not be decoded as an image."
        ) from None
