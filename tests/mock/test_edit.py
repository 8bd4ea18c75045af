"""POST /v1/edit: the create pipeline on an owned input; outputs drawn from the input, masks honoured
on real pixels, pricing, guards, daily cap, credits and events as for create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from image_skill_api.registry import ErrorCode

from .conftest import Api
from .uploading import fetch, solid, upload

MASK_BOX = (200, 150, 600, 450)


def _picture(seed: int = 0, size: tuple[int, int] = (1024, 768)) -> Image.Image:
    """An input with structure (so "derived from" is measurable): bands and a disc."""
    image = Image.new("RGB", size, (30 + seed, 90, 160))
    draw = ImageDraw.Draw(image)
    for i in range(0, size[0], 128):
        draw.rectangle((i, 0, i + 63, size[1]), fill=(220, 200 - seed, 40 + i % 200))
    draw.ellipse((300, 200, 700, 600), fill=(250, 250, 250))
    return image


def _mask(size: tuple[int, int] = (1024, 768)) -> Image.Image:
    mask = Image.new("L", size, 0)
    mask.paste(255, MASK_BOX)
    return mask


def _edit(api: Api, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = api.request("POST", "/v1/edit", json={"prompt": "make it dusk", **body})
    return answer


def _distance(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def test_a_masked_edit_changes_pixels_inside_the_mask_only(api: Api) -> None:
    api.signup()
    source = _picture()
    source_id, mask_id = upload(api, source), upload(api, _mask())
    done = _edit(api, input_asset_id=source_id, mask_asset_id=mask_id, accept_unknown_cost=True)
    assert done["ok"], done
    data = done["data"]
    assert data["request"]["selection"]["model_id"] == "fal.ideogram-v2-edit"  # the mask-capable default
    assert data["request"]["aspect_ratio"] == "auto"
    output = fetch(api, data["assets"][0]["url"]).convert("RGB")
    assert output.size == source.size == (data["assets"][0]["width"], data["assets"][0]["height"])
    diff = ImageChops.difference(output, source).convert("L")
    outside = diff.copy()
    outside.paste(0, MASK_BOX)
    assert outside.getbbox() is None, "a pixel outside the mask changed"
    inside = diff.crop(MASK_BOX)
    changed = sum(1 for value in inside.tobytes() if value > 0)
    assert changed > 0.95 * inside.width * inside.height, "the mask's region was not edited"


def test_an_edit_derives_visibly_and_deterministically_from_its_input(api: Api) -> None:
    api.signup()
    first, second = _picture(0), _picture(60).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    first_id, second_id = upload(api, first), upload(api, second)
    model = {"model": "fal.flux-pro-kontext", "model_parameters": {"seed": 7}}
    one = _edit(api, input_asset_id=first_id, **model)["data"]["assets"][0]
    again = _edit(api, input_asset_id=first_id, **model)["data"]["assets"][0]
    other = _edit(api, input_asset_id=second_id, **model)["data"]["assets"][0]
    assert one["sha256"] == again["sha256"]  # same input, prompt and seed: same bytes
    assert one["sha256"] != other["sha256"]
    out = fetch(api, one["url"])
    assert 0 < _distance(out, first) < 0.7 * _distance(out, second)  # an edit of the first, not the second
    reseeded = _edit(api, input_asset_id=first_id, model="fal.flux-pro-kontext", model_parameters={"seed": 8})
    assert reseeded["data"]["assets"][0]["sha256"] != one["sha256"]


@pytest.mark.parametrize(
    ("aspect_ratio", "size"),
    [("auto", (1024, 512)), ("1:1", (1024, 1024)), ("3:4", (768, 1024))],
)
def test_an_edit_is_sized_per_the_request(api: Api, aspect_ratio: str, size: tuple[int, int]) -> None:
    api.signup()
    source_id = upload(api, _picture(size=(600, 300)))
    done = _edit(api, input_asset_id=source_id, model="fal.flux-pro-kontext", aspect_ratio=aspect_ratio)
    asset = done["data"]["assets"][0]
    assert (asset["width"], asset["height"]) == size
    assert fetch(api, asset["url"]).size == size


def test_a_mask_on_a_model_without_mask_support_is_capability_denied(api: Api) -> None:
    api.signup()
    source_id, mask_id = upload(api, _picture()), upload(api, _mask())
    refused = _edit(api, input_asset_id=source_id, mask_asset_id=mask_id, model="fal.flux-pro-kontext")
    assert refused["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert "does not take a mask" in refused["error"]["message"]
    assert "--operation image.edit" in refused["error"]["recovery"]["suggested_command"]


@pytest.mark.parametrize(
    ("model", "parameters", "credits", "confidence"),
    [
        ("fal.flux-pro-kontext", {}, 7, "known"),  # USD 0.04 per image
        ("fal.gemini-3-pro-image-preview-edit", {"resolution": "2K"}, 26, "known"),  # USD 0.15
        ("fal.z-image-turbo-edit", {"image_size": "square_hd"}, 1, "estimated"),  # USD 0.005/MP of 1 MP
    ],
)
def test_known_prices_debit_as_quoted(
    api: Api, model: str, parameters: dict[str, Any], credits: int, confidence: str
) -> None:
    api.signup()
    source_id = upload(api, _picture())
    done = _edit(api, input_asset_id=source_id, model=model, model_parameters=parameters)["data"]
    assert done["cost"]["credit_pricing"]["credits_required"] == credits
    assert done["cost"]["credit_pricing"]["pricing_confidence"] == confidence
    assert done["quota"]["consumed_credits"] == credits
    assert done["quota"]["remaining_credits"] == 50 - credits


@pytest.mark.parametrize(
    ("model", "parameters"),
    [
        ("fal.nano-banana-2-edit", {}),
        ("openai.gpt-image-2-edit", {}),
        ("fal.z-image-turbo-edit", {"image_size": "auto"}),
    ],
)
def test_unknown_cost_edits_need_confirmation_and_are_priced_after(
    api: Api, model: str, parameters: dict[str, Any]
) -> None:
    api.signup()
    source_id = upload(api, _picture())
    refused = _edit(api, input_asset_id=source_id, model=model, model_parameters=parameters)
    assert refused["error"]["code"] == ErrorCode.BUDGET_REQUIRES_CONFIRMATION
    assert refused["error"]["recovery"]["required_flag"] == "--accept-unknown-cost"
    done = _edit(
        api, input_asset_id=source_id, model=model, model_parameters=parameters, accept_unknown_cost=True
    )
    pricing = done["data"]["cost"]["credit_pricing"]
    assert pricing["pricing_confidence"] == "unknown"
    assert pricing["credits_required"] == done["data"]["quota"]["consumed_credits"] > 0


def test_edit_model_parameters_follow_the_schema(api: Api) -> None:
    api.signup()
    source_id = upload(api, _picture())
    refused = _edit(
        api, input_asset_id=source_id, model="fal.flux-pro-kontext", model_parameters={"steps": 3}
    )
    assert refused["error"]["code"] == ErrorCode.MODEL_PARAMETERS_INVALID
    cataloged = _edit(
        api, input_asset_id=source_id, model="fal.flux-pro-kontext", model_parameters={"guidance_scale": 3}
    )
    assert cataloged["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    native = _edit(api, input_asset_id=source_id, model_parameters={"mask_url": "https://x.example/m.png"})
    assert native["error"]["code"] == ErrorCode.MODEL_PARAMETERS_INVALID
    assert native["error"]["recovery"]["required_flag"] == "--mask"
    assert native["error"]["recovery"]["suggested_command"] == "image-skill edit --help"
    wrong_op = _edit(api, input_asset_id=source_id, model="fal.flux-dev")
    assert wrong_op["error"]["code"] == ErrorCode.CAPABILITY_DENIED


def test_the_input_and_mask_must_be_the_callers(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.signup("owner")
    theirs = upload(api, _picture())
    api.signup("intruder")
    mine = upload(api, _picture())
    for body in ({"input_asset_id": theirs}, {"input_asset_id": mine, "mask_asset_id": theirs}):
        refused = _edit(api, model="fal.ideogram-v2-edit", accept_unknown_cost=True, **body)
        assert refused["error"]["code"] == ErrorCode.NOT_FOUND
        assert theirs not in refused["error"]["message"]


def test_an_edit_dry_run_plans_without_a_debit_or_output(api: Api) -> None:
    api.signup()
    source_id = upload(api, _picture())
    planned = _edit(api, input_asset_id=source_id, model="fal.flux-pro-kontext", dry_run=True)["data"]
    assert (planned["status"], planned["assets"], planned["quota"]["consumed_credits"]) == ("planned", [], 0)
    assert planned["plan_receipt"]["credits_required"] == 7
    assert api.request("GET", "/v1/quota")["data"]["limits"]["remaining_credits"] == 50


def test_edits_count_toward_the_daily_cap_and_spend_credits_atomically(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=2)
    api.signup()
    source_id = upload(api, _picture())
    for _ in range(2):
        assert _edit(api, input_asset_id=source_id, model="fal.flux-pro-kontext")["ok"]
    capped = _edit(api, input_asset_id=source_id, model="fal.flux-pro-kontext")
    assert capped["error"]["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    quota = api.request("GET", "/v1/quota")["data"]
    assert quota["limits"]["remaining_credits"] == 50 - 2 * 7
    poor = make_api(free_credits=5)
    poor.signup()
    poor_source = upload(poor, _picture())
    refused = _edit(poor, input_asset_id=poor_source, model="fal.flux-pro-kontext")
    assert refused["error"]["code"] == ErrorCode.QUOTA_EXCEEDED
    assert poor.request("GET", "/v1/quota")["data"]["limits"]["remaining_credits"] == 5


def test_an_edit_records_the_same_events_as_a_create(api: Api) -> None:
    api.signup()
    source_id = upload(api, _picture())
    done = _edit(api, input_asset_id=source_id, model="fal.flux-pro-kontext")["data"]
    job_id, usage_id = done["job_id"], done["quota"]["usage_event_id"]
    output_id = done["assets"][0]["asset_id"]
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    events = storage.activity(agent_id, limit=20, ref=job_id)
    assert sorted(e["type"] for e in events) == ["asset.created", "job.completed", "usage.credit_consumed"]
    links = {"job_id": job_id, "asset_ids": [output_id], "usage_event_id": usage_id}
    for event in events:
        if event["type"] != "usage.credit_consumed":
            assert event["operation"] == "edit"
            assert event["links"] == links
    job = api.request("GET", f"/v1/jobs/{job_id}")["data"]["job"]
    assert (job["operation"], job["status"]) == ("edit", "completed")


def test_the_edit_default_policy_and_explicit_provider(api: Api) -> None:
    api.signup()
    source_id = upload(api, solid((90, 90, 90), (640, 640)))
    default = _edit(api, input_asset_id=source_id)["data"]["request"]["selection"]
    assert (default["policy"], default["model_id"]) == ("hosted_default_edit_v1", "fal.flux-pro-kontext")
    cheap = _edit(api, input_asset_id=source_id, max_estimated_usd_per_image=0.036)["data"]["request"][
        "selection"
    ]
    assert cheap["model_id"] == "fal.z-image-turbo-edit"  # the cheapest listed price (USD 0.005/MP) in budget
    provider = _edit(api, input_asset_id=source_id, provider="fal", max_estimated_usd_per_image=0.05)
    assert provider["data"]["request"]["selection"]["policy"] == "explicit_provider"


def test_an_edit_needs_a_token(api: Api) -> None:
    body = {"input_asset_id": "image_0123456789abcdef", "prompt": "x"}
    assert api.request("POST", "/v1/edit", json=body)["error"]["code"] == ErrorCode.AUTH_REQUIRED
