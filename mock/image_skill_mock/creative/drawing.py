"""A real job's outputs, drawn from its ``Work`` (what rendering needs, JSON-able so a queued job
keeps it in the store until it runs): the provider call, where injected provider faults fire.

Every input, mask and reference is decoded through ``pixels`` (its working copy when it has one, at
the size drawn; a reference's colour once per content); one that is truncated or corrupt is
``INPUT_POLICY_DENIED``. ``pixels_of`` is a job's share of ``pixels.BUDGET``, which the caller
holds while the job is drawn (``pipeline`` inline, ``deferred`` for a queued job)."""

from __future__ import annotations

import hashlib
from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock import ids
from image_skill_mock.creative import pixels, shapes
from image_skill_mock.creative.render import render_edit_png, render_png, with_references
from image_skill_mock.creative.request import Plan, Run
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.store import previews
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


def _source(storage: Storage, agent_id: str, asset_id: str) -> bytes:
    """What is decoded of an asset the job reads: its working copy when it has one, else its bytes."""
    with storage.reading() as conn:
        data = previews.preview(conn, asset_id)
    data = data or storage.asset_bytes(agent_id, asset_id)
    assert data is not None, "check_inputs proved every input is the caller's"
    return data


def _colour(storage: Storage, agent_id: str, asset_id: str) -> tuple[int, int, int]:
    stored = storage.asset(agent_id, asset_id)
    assert stored is not None, "check_inputs proved every reference is the caller's"
    return pixels.colour(stored.sha256, lambda: _source(storage, agent_id, asset_id))


def _draw(storage: Storage, work: Work, *, seed: int) -> bytes:
    """One output: a create drawn from the prompt, an edit drawn from its input (and mask); either
    carries its references' dominant colours. A truncated or corrupt input, mask or reference (one
    stored before uploads were decoded whole) is INPUT_POLICY_DENIED."""
    agent_id, width, height = work["agent_id"], work["width"], work["height"]
    try:
        colours = [_colour(storage, agent_id, asset_id) for asset_id in work["references"]]
        if work["verb"] != "edit":
            drawn = render_png(prompt=work["prompt"], seed=seed, width=width, height=height)
            return with_references(drawn, colours)
        return render_edit_png(
            source=_source(storage, agent_id, work["inputs"][0]),
            mask=_source(storage, agent_id, work["mask"]) if work["mask"] else None,
            colours=colours,
            prompt=work["prompt"],
            seed=seed,
            width=width,
            height=height,
        )
    except (pixels.Undecodable, OSError, ValueError, SyntaxError):  # Pillow's ways of refusing
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            "An input, mask or reference could not be decoded as a whole image (truncated or corrupt).",
        ) from None


def pixels_of(storage: Storage, work: Work) -> int:
    """The pixels a job decodes and draws (its share of ``pixels.BUDGET``): its outputs, and each
    input, mask and reference as it is decoded (its working copy's size when it has one)."""
    total = int(work["width"]) * int(work["height"]) * int(work["count"])
    read = [*work["inputs"], *([work["mask"]] if work["mask"] else []), *work["references"]]
    for asset_id in read:
        stored = storage.asset(work["agent_id"], asset_id)
        if stored is None or not stored.width or not stored.height:
            continue
        with storage.reading() as conn:
            small = previews.has_preview(conn, asset_id)
        scale = min(1.0, pixels.PREVIEW_LONG_EDGE / max(stored.width, stored.height)) if small else 1.0
        total += int(stored.width * stored.height * scale * scale)
    return total
