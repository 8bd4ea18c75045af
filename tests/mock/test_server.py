"""The reference server's rules, through HTTP, with strict response validation on."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ErrorCode
from image_skill_mock import catalog, resources

from .conftest import NOON, Api, fixed_clock


def test_first_run_flow_and_real_media(api: Api) -> None:
    assert api.request("GET", "/healthz")["data"]["status"] == "ok"
    api.signup()
    who = api.request("GET", "/v1/whoami")
    assert who["actor"]["actor_id"].startswith("agt_")
    quota = api.request("GET", "/v1/quota")["data"]
    assert quota["limits"]["remaining_credits"] == 50
    assert quota["daily_jobs"] == {**quota["daily_jobs"], "limit": 4, "used": 0, "remaining": 4}

    created = api.create(aspect_ratio="16:9")["data"]
    assert created["status"] == "completed"
    selection = created["request"]["selection"]
    assert selection["policy"] == catalog.HOSTED_DEFAULT_POLICY
    assert selection["model_id"] == catalog.HOSTED_DEFAULT_MODEL_ID
    assert selection["model_parameters"]["defaults_applied"] == ["resolution=2k"]
    assert created["cost"]["credit_pricing"]["credits_required"] == 12
    assert created["quota"] == {**created["quota"], "consumed_credits": 12, "remaining_credits": 38}

    job = api.request("GET", f"/v1/jobs/{created['job_id']}")["data"]["job"]
    assert job["status"] == "completed"
    asset = api.request("GET", f"/v1/assets/{created['assets'][0]['asset_id']}")["data"]["asset"]
    media = api.client.get(asset["url"].split("testserver", 1)[1])
    assert media.headers["content-type"] == "image/png"
    assert len(media.content) == asset["content_length"]
    assert hashlib.sha256(media.content).hexdigest() == asset["sha256"]
    image = Image.open(io.BytesIO(media.content))
    assert image.format == "PNG"
    assert image.size == (asset["width"], asset["height"]) == (2048, 1152)
    assert api.request("GET", "/v1/quota")["data"]["limits"]["consumed_credits"] == 12


def test_same_prompt_seed_and_size_render_the_same_bytes(api: Api) -> None:
    api.signup()
    first = api.create(model="fal.flux-dev", model_parameters={"seed": 5})["data"]["assets"][0]
    second = api.create(model="fal.flux-dev", model_parameters={"seed": 5})["data"]["assets"][0]
    other = api.create(model="fal.flux-dev", model_parameters={"seed": 6})["data"]["assets"][0]
    assert first["sha256"] == second["sha256"]
    assert first["asset_id"] != second["asset_id"]
    assert other["sha256"] != first["sha256"]


def test_dry_run_plans_without_debit_or_daily_cap(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=1)
    api.signup()
    for _ in range(3):
        planned = api.create(dry_run=True)["data"]
        assert planned["status"] == "planned"
        assert planned["assets"] == []
        assert planned["plan_receipt"]["credits_required"] == 12
        assert planned["quota"]["consumed_credits"] == 0
    quota = api.request("GET", "/v1/quota")["data"]
    assert quota["limits"]["remaining_credits"] == 50
    assert quota["daily_jobs"]["used"] == 0
    assert api.request("GET", f"/v1/jobs/{planned['job_id']}")["data"]["job"]["status"] == "planned"


@pytest.mark.parametrize(
    ("budget", "model", "resolution", "credits"),
    [(None, catalog.HOSTED_DEFAULT_MODEL_ID, "2k", 12), (0.06, catalog.HOSTED_DEFAULT_MODEL_ID, "1k", 9)],
)
def test_budget_steers_the_hosted_default(
    api: Api, budget: float | None, model: str, resolution: str, credits: int
) -> None:
    api.signup()
    body: dict[str, Any] = {"dry_run": True}
    if budget is not None:
        body["max_estimated_usd_per_image"] = budget
    data = api.create(**body)["data"]
    assert data["request"]["selection"]["model_id"] == model
    assert data["request"]["selection"]["output"]["resolution_class"] == resolution
    assert data["cost"]["credit_pricing"]["credits_required"] == credits


def test_small_budgets_fall_back_then_refuse(api: Api) -> None:
    api.signup()
    cheap = api.create(dry_run=True, max_estimated_usd_per_image=0.03)["data"]
    assert cheap["request"]["selection"]["model_id"] != catalog.HOSTED_DEFAULT_MODEL_ID
    assert cheap["cost"]["estimated_usd"] <= 0.03
    refused = api.create(max_estimated_usd_per_image=0.001, model="fal.flux-dev")
    assert refused["error"]["code"] == ErrorCode.BUDGET_EXCEEDED


def test_unknown_cost_needs_confirmation_then_debits_from_usage(api: Api) -> None:
    api.signup()
    model = "openai.gpt-image-2"
    params = {"quality": "auto", "size": "auto"}
    refused = api.create(model=model, model_parameters=params)
    assert refused["error"]["code"] == ErrorCode.BUDGET_REQUIRES_CONFIRMATION
    assert refused["error"]["recovery"]["required_flag"] == "--accept-unknown-cost"
    done = api.create(model=model, model_parameters=params, accept_unknown_cost=True)["data"]
    assert done["cost"]["credit_pricing"]["pricing_confidence"] == "unknown"
    assert done["quota"]["consumed_credits"] > 0


def test_model_parameters_are_checked_against_the_model_schema(api: Api) -> None:
    api.signup()
    unknown = api.create(model="fal.flux-dev", model_parameters={"steps": 3})
    assert unknown["error"]["code"] == ErrorCode.MODEL_PARAMETERS_INVALID
    assert unknown["error"]["recovery"]["suggested_command"] == "image-skill models show fal.flux-dev --json"
    wrong = api.create(model="fal.flux-dev", model_parameters={"seed": "seven"})
    assert wrong["error"]["code"] == ErrorCode.MODEL_PARAMETERS_INVALID
    assert "seed" in wrong["error"]["message"]
    cataloged = api.create(model="fal.flux-pro-v1-1-ultra", model_parameters={"image_url": "x"})
    assert cataloged["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert "image_url" in cataloged["error"]["message"]


def test_capability_limits(api: Api) -> None:
    api.signup()
    assert api.create(model="fal.flux-dev", output_count=2)["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert api.create(model="fal.nano-banana-pro-edit")["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert api.create(model="fal.recraft-v3")["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert api.create(model="nope.model")["error"]["code"] == ErrorCode.NOT_FOUND
    batch = api.create(output_count=2, max_estimated_usd_per_image=0.05)["data"]
    assert len(batch["assets"]) == 2
    assert batch["quota"]["consumed_credits"] == 18


def test_content_policy_marker_is_refused_without_echo(api: Api) -> None:
    api.signup()
    refused = api.request("POST", "/v1/create", json={"prompt": "secret plan [policy-test:deny]"})
    assert refused["error"]["code"] == ErrorCode.CONTENT_POLICY_DENIED
    assert "secret plan" not in refused["error"]["message"]


def test_running_out_of_credits_is_quota_exceeded(make_api: Callable[..., Api]) -> None:
    api = make_api(free_credits=20, daily_jobs=10)
    api.signup()
    assert api.create()["status"] == 200
    refused = api.create()
    assert refused["error"]["code"] == ErrorCode.QUOTA_EXCEEDED
    assert refused["error"]["recovery"]["suggested_command"] == "image-skill credits methods --json"
    quota = api.request("GET", "/v1/quota")["data"]["limits"]
    assert quota == {**quota, "remaining_credits": 8, "consumed_credits": 12}


def test_daily_cap_is_exit_5_with_retry_after(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=2, clock=fixed_clock(NOON))
    api.signup()
    api.create()
    api.create()
    refused = api.create()
    assert refused["error"]["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    assert refused["error"]["recovery"]["retry_after_seconds"] == 12 * 3600
    assert api.request("GET", "/v1/quota")["data"]["daily_jobs"]["remaining"] == 0


def test_auth_errors(api: Api) -> None:
    assert api.request("GET", "/v1/whoami")["error"]["code"] == ErrorCode.AUTH_REQUIRED
    invalid = api.request("GET", "/v1/whoami", token="isk_r_not_a_real_token_000000000")
    assert invalid["error"]["code"] == ErrorCode.AUTH_TOKEN_INVALID
    assert api.request("GET", "/v1/quota", headers={"authorization": "Basic abc"})["status"] == 401


def test_another_agents_job_and_asset_are_not_found(api: Api) -> None:
    api.signup("owner")
    created = api.create()["data"]
    api.signup("stranger")
    assert api.request("GET", f"/v1/jobs/{created['job_id']}")["error"]["code"] == ErrorCode.NOT_FOUND
    asset_id = created["assets"][0]["asset_id"]
    assert api.request("GET", f"/v1/assets/{asset_id}")["error"]["code"] == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"prompt": ""},
        {"prompt": "x", "output_count": 0},
        {"prompt": "x", "surprise": True},
        {"prompt": "x", "aspect_ratio": "wide"},
        {"prompt": "x", "model_parameters": []},
    ],
)
def test_invalid_requests_are_400_envelopes(api: Api, body: dict[str, Any]) -> None:
    api.signup()
    refused = api.request("POST", "/v1/create", json=body)
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


def test_non_json_body_and_bad_query_are_400(api: Api) -> None:
    refused = api.request(
        "POST", "/v1/agent-signups", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert api.request("GET", "/v1/models?available=maybe")["status"] == 400


def test_unknown_paths_and_methods(api: Api) -> None:
    assert api.request("GET", "/v1/nothing")["error"]["code"] == ErrorCode.NOT_FOUND
    assert api.request("DELETE", "/v1/whoami")["error"]["code"] == ErrorCode.METHOD_NOT_ALLOWED
    assert api.client.get("/media/a/image_missing.png").status_code == 404


def test_model_filters(api: Api) -> None:
    listing = api.request("GET", "/v1/models?available=true&executable=true&operation=image.edit")["data"]
    assert listing["models"]
    assert all(row["operation"] == "image.edit" for row in listing["models"])
    full = api.request("GET", "/v1/models")["data"]
    assert full["models"][0]["id"] == catalog.HOSTED_DEFAULT_MODEL_ID
    assert full["summary"]["first_actionable_model_ids"][0] == catalog.HOSTED_DEFAULT_MODEL_ID
    only = api.request("GET", "/v1/models?catalog_only=true")["data"]["models"]
    assert [row["id"] for row in only] == ["fal.recraft-v3"]
    shown = api.request("GET", f"/v1/models/{catalog.HOSTED_DEFAULT_MODEL_ID}")["data"]["model"]
    assert shown["model_parameters"]["schema"]["additionalProperties"] is False
    capability = api.request("GET", f"/v1/capabilities/{shown['capability_id']}")["data"]["capability"]
    assert capability["model_ids"] == [shown["id"]]


def test_strict_mode_turns_a_broken_response_into_a_500(
    make_api: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(resources.HANDLERS, "getHealth", lambda call: {"status": "sideways"})
    refused = make_api().request("GET", "/healthz")
    assert refused["status"] == 500
    assert refused["error"]["code"] == ErrorCode.INTERNAL_ERROR
    assert "strict" in refused["error"]["message"]


def test_trace_id_header_is_honoured_only_when_well_formed(api: Api) -> None:
    good = api.request("GET", "/healthz", headers={"x-image-skill-trace-id": "trace_0123456789abcdef"})
    assert good["trace_id"] == "trace_0123456789abcdef"
    odd = api.request("GET", "/healthz", headers={"x-image-skill-trace-id": "nope"})
    assert odd["trace_id"].startswith("trace_")
    assert odd["status"] == 200
