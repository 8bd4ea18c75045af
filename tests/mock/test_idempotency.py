"""Retry-safe spending: a create's ``idempotency_key`` (per agent) returns the original job, never a
second job or debit; another body under the same key is a conflict; 200 concurrent creates with one
key against the real server make one job and one debit."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from image_skill_api.registry import ErrorCode

from .conftest import Api, LiveServer, ledger_check


def quota(api: Api) -> dict[str, Any]:
    data: dict[str, Any] = api.request("GET", "/v1/quota")["data"]
    return data


def test_the_same_key_and_body_return_the_original_job_without_a_second_debit(api: Api) -> None:
    api.signup()
    first = api.create(idempotency_key="create-run-001")["data"]
    again = api.create(idempotency_key="create-run-001")["data"]
    assert again == first
    limits = quota(api)
    assert limits["limits"]["consumed_credits"] == first["cost"]["credit_pricing"]["credits_required"]
    assert limits["daily_jobs"]["used"] == 1
    other = api.create(idempotency_key="create-run-002")["data"]
    assert other["job_id"] != first["job_id"]
    assert quota(api)["daily_jobs"]["used"] == 2


def test_the_same_key_with_another_body_is_a_conflict(api: Api) -> None:
    api.signup()
    api.create(idempotency_key="k-1")
    refused = api.create(idempotency_key="k-1", aspect_ratio="16:9")
    assert refused["status"] == 409
    assert refused["error"]["code"] == ErrorCode.IDEMPOTENCY_KEY_CONFLICT
    assert quota(api)["daily_jobs"]["used"] == 1


def test_keys_are_scoped_per_agent(api: Api) -> None:
    api.signup("first")
    mine = api.create(idempotency_key="shared-key")["data"]
    api.signup("second")
    theirs = api.create(idempotency_key="shared-key")["data"]
    assert theirs["job_id"] != mine["job_id"]
    assert quota(api)["daily_jobs"]["used"] == 1


def test_a_refused_request_releases_its_key(api: Api) -> None:
    api.signup()
    denied = api.create(prompt="a harbour [policy-test:deny]", idempotency_key="k-policy")
    assert denied["error"]["code"] == ErrorCode.CONTENT_POLICY_DENIED
    assert api.create(prompt="a harbour [policy-test:deny]", idempotency_key="k-policy")["status"] == 422
    created = api.create(idempotency_key="k-policy")
    assert created["ok"], created
    assert quota(api)["daily_jobs"]["used"] == 1


def test_a_dry_run_replays_its_plan_and_an_anonymous_one_ignores_the_key(api: Api) -> None:
    anonymous = api.create(dry_run=True, idempotency_key="k-dry")
    assert anonymous["data"]["job_id"] is None
    api.signup()
    planned = api.create(dry_run=True, idempotency_key="k-dry")["data"]
    assert api.create(dry_run=True, idempotency_key="k-dry")["data"]["job_id"] == planned["job_id"]
    assert quota(api)["limits"]["consumed_credits"] == 0


def test_200_concurrent_creates_with_one_key_make_one_job_and_one_debit(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server()
    signup = requests.post(
        server.base_url + "/v1/agent-signups",
        json={"agent_contact": "race@example.com", "agent_name": "race", "return_token": True},
        timeout=30,
    ).json()
    headers = {"authorization": "Bearer " + signup["data"]["token"]}
    body = {"prompt": "a brass compass on a chart table", "idempotency_key": "race-create-001"}

    def create(_: int) -> dict[str, Any]:
        with requests.Session() as session:
            answer: dict[str, Any] = session.post(
                server.base_url + "/v1/create", json=body, headers=headers, timeout=120
            ).json()
            return answer

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(create, range(200)))
    elapsed = time.monotonic() - started
    assert all(answer["ok"] for answer in answers), Counter(str(a["error"]) for a in answers if not a["ok"])
    jobs = Counter(answer["data"]["job_id"] for answer in answers)
    assert len(jobs) == 1, jobs
    after = requests.get(server.base_url + "/v1/quota", headers=headers, timeout=30).json()["data"]
    debit = answers[0]["data"]["cost"]["credit_pricing"]["credits_required"]
    assert after["limits"]["consumed_credits"] == debit
    assert after["daily_jobs"]["used"] == 1
    assert ledger_check(server.db_path)["differences"] == []
    print(
        f"\n200 concurrent creates, one key: {len(jobs)} job, {debit} credits debited once, {elapsed:.2f} s"
    )
