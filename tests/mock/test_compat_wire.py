"""The wire facts of today's clients (design.md section 7), over plain HTTP against the mock:
anonymous signup and its discovery source, the claim request, the split balance, input assets and
seeds on create and edit answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ErrorCode

from .conftest import Api
from .test_payments import buy, pay, quote
from .uploading import solid, upload

SIGNUP = "/v1/agent-signups"
CLAIMS = "/v1/agent-claims"


def _signup(api: Api, **body: Any) -> Any:
    answer = api.request("POST", SIGNUP, json={"agent_name": "anon", "return_token": True, **body})
    if answer["ok"]:
        api.token = answer["data"]["token"]
    return answer


def _agent_row(api: Api) -> tuple[str, str | None]:
    """The stored contact and discovery source of the api's agent."""
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent = storage.agent_by_token(hashlib.sha256((api.token or "").encode()).hexdigest())
    with storage.reading() as conn:
        row = conn.execute(
            "SELECT source FROM agent_discovery WHERE agent_id = ?", (agent.agent_id,)
        ).fetchone()
    return agent.contact, row[0] if row else None


# --------------------------------------------------------------------------------- signup
def test_a_signup_without_a_contact_is_an_unclaimed_anonymous_agent(api: Api) -> None:
    answer = _signup(api)
    assert answer["status"] == 201, answer
    data = answer["data"]
    assert data["agent_contact"] is None
    assert data["human_email"] is None
    assert data["actor"]["claim_state"] == "unclaimed"
    assert data["discovery_source"] is None
    assert _agent_row(api) == ("", None)
    assert api.request("GET", "/v1/whoami")["data"]["claim_state"] == "unclaimed"
    first = data["actor"]["actor_id"]
    assert _signup(api)["data"]["actor"]["actor_id"] != first  # every anonymous signup is a new agent


def test_the_discovery_source_is_stored(api: Api) -> None:
    answer = _signup(api, discovery_source="skills-sh")
    assert answer["data"]["discovery_source"] == "skills-sh"
    assert _agent_row(api) == ("", "skills-sh")


@pytest.mark.parametrize(
    "body",
    [
        {"discovery_source": "Skills SH"},  # not a slug
        {"discovery_source": "x" * 65},
        {"agent_contact": "a@example.com", "human_email": "b@example.com"},  # one name, not both
        {"agent_contact": "not-an-inbox"},
    ],
)
def test_a_malformed_signup_is_refused(api: Api, body: dict[str, Any]) -> None:
    assert _signup(api, **body)["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


def test_a_signup_with_a_contact_still_keeps_it(api: Api) -> None:
    answer = _signup(api, human_email="ops@example.com")
    assert answer["data"]["agent_contact"] == answer["data"]["human_email"] == "ops@example.com"
    assert _agent_row(api)[0] == "ops@example.com"


# ---------------------------------------------------------------------------------- claim
def test_a_claim_request_attaches_is_idempotent_and_replaces(api: Api) -> None:
    _signup(api)
    attached = api.request("POST", CLAIMS, json={"contact": "agent-inbox@example.com"})
    assert attached["status"] == 200, attached
    assert attached["command"] == "image-skill claim request"
    assert attached["data"] == {
        "state": "attached",
        "contact": "a***@example.com",  # redacted
        "claim_state": "unclaimed",  # not verification
        "claim_request_state": "requested",
        "activity": {"recorded": False, "reason": attached["data"]["activity"]["reason"]},
    }
    assert "agent-inbox" not in str(attached)
    again = api.request("POST", CLAIMS, json={"contact": "agent-inbox@example.com"})
    assert again["data"]["state"] == "unchanged"
    assert _agent_row(api)[0] == "agent-inbox@example.com"
    other = api.request("POST", CLAIMS, json={"contact": "team@example.org"})
    assert other["data"]["state"] == "attached"
    assert _agent_row(api)[0] == "team@example.org"
    assert api.request("GET", "/v1/activity")["data"]["events"] == []  # no invented event type


@pytest.mark.parametrize("body", [{}, {"contact": "no-at-sign"}, {"contact": "a@b.c", "extra": 1}])
def test_a_malformed_claim_request_is_refused(api: Api, body: dict[str, Any]) -> None:
    _signup(api)
    assert api.request("POST", CLAIMS, json=body)["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


def test_a_claim_request_needs_a_token(api: Api) -> None:
    refused = api.request("POST", CLAIMS, json={"contact": "a@example.com"})
    assert refused["error"]["code"] == ErrorCode.AUTH_REQUIRED
    assert refused["error"]["recovery"]["auth_state"] == "missing"


# -------------------------------------------------------------------------------- balance
def test_remaining_credits_is_the_preview_part_everywhere(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.signup()
    created = api.create()["data"]  # 12 credits of the 50
    assert created["quota"]["remaining_credits"] == 38
    assert created["quota"]["payment_backed_remaining_credits"] == 0
    assert created["quota"]["total_remaining_credits"] == 38
    paid = buy(api, quote(api, credits=100)["data"]["quote_id"])["data"]
    assert pay(api, paid["checkout_url"])["ok"]
    limits = api.request("GET", "/v1/quota")["data"]["limits"]
    assert limits["remaining_credits"] == limits["preview_remaining_credits"] == 38
    assert limits["payment_backed_remaining_credits"] == 100
    assert limits["total_remaining_credits"] == 138 == limits["remaining_credits"] + 100
    after = api.create()["data"]["quota"]
    assert (after["remaining_credits"], after["payment_backed_remaining_credits"]) == (26, 100)
    assert after["total_remaining_credits"] == 126


# ------------------------------------------------------------------------- inputs, seeds
def test_a_plain_create_reads_no_inputs_and_every_output_has_its_seed(api: Api) -> None:
    api.signup()
    drawn = api.create(model="xai.grok-imagine-image", output_count=2)["data"]  # a model without a seed
    assert drawn["input_assets"] == []
    assert [asset["seed_used"] for asset in drawn["assets"]] == [0, 1]  # the mock's draw is 0, plus the index
    given = api.create(model="fal.flux-dev", model_parameters={"seed": 41})["data"]
    assert [asset["seed_used"] for asset in given["assets"]] == [41]
    job = api.request("GET", f"/v1/jobs/{given['job_id']}")["data"]["job"]
    assert [asset["seed_used"] for asset in job["assets"]] == [41]
    again = api.create(model="fal.flux-dev", model_parameters={"seed": 41})["data"]
    assert again["assets"][0]["sha256"] == given["assets"][0]["sha256"]  # the seed reproduces output 0


def test_an_edit_names_its_input_mask_and_references(api: Api) -> None:
    api.signup()
    source = upload(api, Image.new("RGB", (800, 600), (90, 90, 90)))
    mask = upload(api, Image.new("L", (800, 600), 255))
    answer = api.request(
        "POST",
        "/v1/edit",
        json={"input_asset_id": source, "mask_asset_id": mask, "prompt": "dusk", "accept_unknown_cost": True},
    )
    assert answer["ok"], answer
    assert answer["data"]["input_assets"] == [
        {"role": "input", "asset_id": source, "mime_type": "image/png", "width": 800, "height": 600},
        {"role": "mask", "asset_id": mask, "mime_type": "image/png", "width": 800, "height": 600},
    ]
    assert answer["data"]["assets"][0]["seed_used"] == 0
    red = upload(api, solid((230, 20, 20)), "JPEG")
    body = {
        "input_asset_id": source,
        "prompt": "x",
        "model": "xai.grok-imagine-image-edit",
        "accept_unknown_cost": True,
        "references": [{"asset_id": red, "role": "reference_image", "index": 0}],
    }
    referenced = api.request("POST", "/v1/edit", json=body)["data"]
    assert [(item["role"], item["asset_id"]) for item in referenced["input_assets"]] == [
        ("input", source),
        ("reference", red),
    ]
    assert referenced["input_assets"][1]["mime_type"] == "image/jpeg"
