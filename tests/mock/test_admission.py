"""Work is bounded and fair, waits hold no thread, cheap answers take no worker thread (issues #14,
#19): the admission's mechanism (a full queue is SERVER_BUSY at once, never a stall), idempotency
waits on the event loop, the inline handlers and the catalog answers encoded once, byte for byte."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from image_skill_api.envelope import envelope
from image_skill_api.registry import ErrorCode
from image_skill_mock.app import Settings, create_app
from image_skill_mock.creative import catalog, idempotency, listing
from image_skill_mock.errors import ApiError
from image_skill_mock.http import auth, endpoint, waits
from image_skill_mock.http.admission import Admission, Bounds
from image_skill_mock.http.envelope import Encoded, encode, success

from .conftest import NOON, Api


# ------------------------------------------------------------- admission
def test_a_full_admission_refuses_at_once_with_retry_after() -> None:
    async def scenario() -> None:
        gate = Admission(Bounds(slots=1, per_key=1, queue=1, per_key_queue=1))
        async with gate.admit("a"):
            waiting = asyncio.create_task(_hold(gate, "b"))
            await asyncio.sleep(0)
            assert gate.total_waiting == 1
            with pytest.raises(ApiError) as refused:
                async with gate.admit("c"):
                    raise AssertionError("admitted beyond the bound")
            assert refused.value.code is ErrorCode.SERVER_BUSY
            assert refused.value.recovery == {"retry_after_seconds": 1}
        await waiting
        assert (gate.total_running, gate.total_waiting) == (0, 0)

    asyncio.run(scenario())


def test_one_agent_cannot_queue_past_its_own_bound() -> None:
    async def scenario() -> None:
        gate = Admission(Bounds(slots=4, per_key=1, queue=100, per_key_queue=2))
        async with gate.admit("greedy"):
            queued = [asyncio.create_task(_hold(gate, "greedy")) for _ in range(2)]
            await asyncio.sleep(0)
            with pytest.raises(ApiError):
                async with gate.admit("greedy"):
                    pass
            async with gate.admit("other"):  # another agent still runs at once
                assert gate.running == {"greedy": 1, "other": 1}
        await asyncio.gather(*queued)

    asyncio.run(scenario())


def test_freed_slots_go_to_the_agents_in_turn() -> None:
    order: list[str] = []

    async def scenario() -> None:
        gate = Admission(Bounds(slots=1, per_key=1, queue=100, per_key_queue=100))
        async with gate.admit("first"):
            tasks = [asyncio.create_task(_hold(gate, "a", order)) for _ in range(3)]
            await asyncio.sleep(0)
            tasks += [asyncio.create_task(_hold(gate, "b", order)) for _ in range(2)]
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert order == ["a", "b", "a", "b", "a"]


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    async def scenario() -> None:
        gate = Admission(Bounds(slots=1, per_key=1, queue=1, per_key_queue=1))
        async with gate.admit("a"):
            waiter = asyncio.create_task(_hold(gate, "b"))
            await asyncio.sleep(0)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert gate.total_waiting == 0
        async with gate.admit("c"):
            assert gate.running == {"c": 1}

    asyncio.run(scenario())


async def _hold(gate: Admission, key: str, order: list[str] | None = None) -> None:
    async with gate.admit(key):
        if order is not None:
            order.append(key)
        await asyncio.sleep(0)


def test_a_busy_server_answers_server_busy_envelopes(make_api: Callable[..., Api]) -> None:
    api = make_api()
    token = api.signup()
    pipeline = api.client.app.state.pipeline  # type: ignore[attr-defined]
    pipeline.admission = Admission(Bounds(slots=0, per_key=0, queue=0, per_key_queue=0))
    refused = api.create(prompt="a lighthouse", dry_run=True)
    assert refused["status"] == 503
    assert refused["error"]["code"] == ErrorCode.SERVER_BUSY
    assert refused["error"]["recovery"]["retry_after_seconds"] == 1
    assert api.request("GET", "/v1/quota", token=token)["ok"]  # no body: not gated
    assert api.request("GET", "/healthz")["ok"]


# ---------------------------------------------------------- idempotency waits
def _unreachable(job_id: str) -> dict[str, object]:
    raise AssertionError(f"no key here is bound to a job without its answer ({job_id})")


def test_a_key_in_use_raises_pending_instead_of_sleeping(api: Api) -> None:
    api.signup()
    agent = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    ran: list[str] = []

    def second() -> dict[str, Any]:
        ran.append("second")
        return {"job_id": "job_second"}

    def first() -> dict[str, Any]:
        with pytest.raises(waits.Pending) as pending:  # the key is held: no sleep, no thread held
            idempotency.once(storage, agent, "k", "print", second, now=lambda: NOON, recover=_unreachable)
        assert isinstance(pending.value.give_up, ApiError)
        assert pending.value.give_up.code is ErrorCode.IDEMPOTENCY_KEY_IN_USE
        return {"job_id": "job_first"}

    assert idempotency.once(storage, agent, "k", "print", first, now=lambda: NOON, recover=_unreachable) == {
        "job_id": "job_first"
    }
    assert idempotency.once(storage, agent, "k", "print", second, now=lambda: NOON, recover=_unreachable) == {
        "job_id": "job_first"
    }
    assert ran == []


def test_a_waiter_wakes_when_notified_from_another_thread() -> None:
    async def scenario() -> bool:
        waiting = asyncio.create_task(waits.until_moved(("t", 1), timeout=30))
        await asyncio.sleep(0.05)
        threading.Thread(target=waits.notify, args=(("t", 1),)).start()
        await asyncio.wait_for(waiting, timeout=10)
        return True

    assert asyncio.run(scenario())


# -------------------------------------------------- no worker thread, same bytes
def test_health_whoami_and_the_catalog_take_no_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not strict: strict mode validates each response in a worker thread.
    app = create_app(Settings(db_path=tmp_path / "lean.sqlite3", public_base_url="http://testserver"))
    api = Api(TestClient(app))
    api.signup()
    assert api.request("GET", "/v1/whoami")["ok"]  # the token's first use looks it up

    async def no_threads(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker thread was used")

    monkeypatch.setattr(endpoint, "run_in_threadpool", no_threads)
    monkeypatch.setattr(auth, "run_in_threadpool", no_threads)
    for path in ("/healthz", "/v1/whoami", "/v1/models", "/v1/models?available=true", "/v1/capabilities"):
        assert api.request("GET", path)["ok"], path
    model = catalog.HOSTED_DEFAULT_MODEL_ID
    assert api.request("GET", f"/v1/models/{model}")["ok"]
    api.client.close()


def test_an_encoded_answer_is_byte_for_byte_the_plain_one() -> None:
    data = {"name": "caf\u00e9 \u2603", "n": [1, 2.5, None, True], "nested": {"k": '"quoted"\n'}}
    actor = {"actor_type": "agent", "actor_id": "agt_x"}
    for who in (None, actor):
        plain = success("image-skill models list", data, trace_id="trace_0123456789abcdef", actor=who)
        spliced = success(
            "image-skill models list",
            Encoded(data, encode(data)),
            trace_id="trace_0123456789abcdef",
            actor=who,
        )
        assert spliced.body == plain.body
        assert spliced.envelope == plain.envelope


@pytest.mark.parametrize("query", ["", "?available=true", "?executable=true&catalog_only=false"])
def test_the_catalog_answers_are_the_bytes_a_fresh_encoding_makes(api: Api, query: str) -> None:
    response = api.client.get(f"/v1/models{query}")
    trace_id = response.json()["trace_id"]
    params = dict(response.request.url.params)
    coerced = {k: (v == "true") if v in ("true", "false") else v for k, v in params.items()}
    fresh = envelope(
        ok=True,
        command="image-skill models list",
        trace_id=trace_id,
        data=listing.models_data(coerced),
    )
    assert response.content == encode(fresh).encode()
