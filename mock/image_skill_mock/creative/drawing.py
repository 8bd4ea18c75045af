"""What a real job draws, and what it decodes to draw it (the pipeline's ``render`` step).

``draw`` renders one output: a create from its prompt, an edit from its input (and mask); either
with its references' dominant colours. Every input, mask and reference is decoded through
``pixels`` (its working copy when it has one, at the size drawn); one that is truncated or corrupt
is ``INPUT_POLICY_DENIED``. ``decoded_pixels`` is a job's share of ``pixels.BUDGET``.
"""

from __future__ import annotations

from image_skill_api.registry import ErrorCode
from image_skill_mock.creative import pixels
from image_skill_mock.creative.render import render_edit_png, render_png, with_references
from image_skill_mock.creative.request import Plan, Run
from image_skill_mock.errors import ApiError
from image_skill_mock.store import previews


def _source(run: Run, asset_id: str) -> bytes:
    """What is decoded of an asset the job reads: its working copy when it has one, else its bytes."""
    assert run.agent is not None
    with run.call.storage.reading() as conn:
        data = previews.preview(conn, asset_id)
    data = data or run.call.storage.asset_bytes(run.agent.agent_id, asset_id)
    assert data is not None, "check_inputs proved every input is the caller's"
    return data


def _colour(run: Run, asset_id: str) -> tuple[int, int, int]:
    assert run.agent is not None
    stored = run.call.storage.asset(run.agent.agent_id, asset_id)
    assert stored is not None, "check_inputs proved every reference is the caller's"
    return pixels.colour(stored.sha256, lambda: _source(run, asset_id))


def draw(run: Run, *, seed: int, width: int, height: int) -> bytes:
    """One output: a create drawn from the prompt, an edit drawn from its input (and mask); either
    carries its references' dominant colours. A truncated or corrupt input, mask or reference (one
    stored before uploads were decoded whole) is INPUT_POLICY_DENIED."""
    request = run.request
    try:
        colours = [_colour(run, reference["asset_id"]) for reference in request.references]
        if request.verb != "edit":
            drawn = render_png(prompt=request.prompt, seed=seed, width=width, height=height)
            return with_references(drawn, colours)
        return render_edit_png(
            source=_source(run, request.inputs[0]),
            mask=_source(run, request.mask) if request.mask else None,
            colours=colours,
            prompt=request.prompt,
            seed=seed,
            width=width,
            height=height,
        )
    except (pixels.Undecodable, OSError, ValueError, SyntaxError):  # Pillow's ways of refusing
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            "An input, mask or reference could not be decoded as a whole image (truncated or corrupt).",
        ) from None


def decoded_pixels(run: Run, planned: Plan) -> int:
    """The pixels a job decodes and draws (its share of ``pixels.BUDGET``): its outputs, and each
    input, mask and reference as it is decoded (its working copy's size when it has one)."""
    if run.agent is None or not run.executes:
        return 0
    total = planned.price.width * planned.price.height * run.request.output_count
    read = [*run.request.inputs, *([run.request.mask] if run.request.mask else [])]
    read += [reference["asset_id"] for reference in run.request.references]
    for asset_id in read:
        stored = run.call.storage.asset(run.agent.agent_id, asset_id)
        if stored is None or not stored.width or not stored.height:
            continue
        with run.call.storage.reading() as conn:
            small = previews.has_preview(conn, asset_id)
        scale = min(1.0, pixels.PREVIEW_LONG_EDGE / max(stored.width, stored.height)) if small else 1.0
        total += int(stored.width * stored.height * scale * scale)
    return total
