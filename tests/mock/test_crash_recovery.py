"""What a crash leaves behind is answered at once on the next retry (issue 14 items 5 and 6, in
process): an idempotency claim left pending by a dead server is taken over; a key bound to a job
whose answer was never stored is answered from the job (the same envelope, no second debit); a
paid checkout's completion waits in the durable outbox, is retried on the documented schedule
(``credits status`` says ``processing`` with the true ``retry_after_seconds``) and grants once."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

import pytest

from image_skill_mock.clock import timestamp, utc_now
from image_skill_mock.payments import cards, delivery
from image_skill_mock.payments.sessions import session_by_id
from image_skill_mock.store import rows
from image_skill_mock.store.database import Storage

from .conftest import NOON, Api

SECRET = "whsec_test0123456789abcdef0123456789"


def _storage(api: Api) -> Storage:
    storage: Storage = api.client.app.state.storage  # type: ignore[attr-defined]
    return storage


def _agent_id(api: Api) -> str:
    agent_id: str = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    return agent_id


def _debits(api: Api) -> tuple[int, int]:
    """(jobs, usage events) of the agent."""
    agent_id = _agent_id(api)  # a request: never made while the test holds the connection
    with _storage(api).reading() as conn:
        jobs = conn.execute("SELECT COUNT(*) FROM jobs WHERE agent_id = ?", (agent_id,)).fetchone()
        used = conn.execute("SELECT COUNT(*) FROM usage_events WHERE agent_id = ?", (agent_id,)).fetchone()
    return int(jobs[0]), int(used[0])


def test_a_claim_left_pending_by_a_dead_server_is_taken_over_at_once(api: Api) -> None:
    api.signup()
    assert api.create(idempotency_key="probe")["ok"]  # the same body under another key: its fingerprint
    where = {"agent_id": _agent_id(api), "idempotency_key": "probe"}
    with _storage(api).transaction() as conn:  # what a server killed right after claiming a key left
        probe = rows.select_row(conn, "idempotency_keys", where)
        assert probe is not None
        rows.insert_row(
            conn,
            "idempotency_keys",
            {**where, "idempotency_key": "crash-claimed", "fingerprint": probe["fingerprint"],
             "state": "pending", "job_id": None, "response_json": None, "created_at": timestamp(utc_now())},
        )  # fmt: skip
    answer = api.create(idempotency_key="crash-claimed")  # at once: no wait for a claim nobody holds
    assert answer["ok"], answer
    assert _debits(api) == (2, 2)
    assert api.create(idempotency_key="crash-claimed")["data"] == answer["data"]
    assert _debits(api) == (2, 2)


def test_a_key_bound_to_a_job_without_its_answer_is_answered_from_the_job(api: Api) -> None:
    api.signup()
    first = api.create(idempotency_key="crash-recorded")
    assert first["ok"], first
    api.create()  # a later job: the answer still reports the balance the first job left
    agent_id = _agent_id(api)
    with _storage(api).transaction() as conn:  # what a server killed before storing the answer left
        rows.update_rows(
            conn,
            "idempotency_keys",
            {"agent_id": agent_id, "idempotency_key": "crash-recorded"},
            {"state": "bound", "response_json": None},
        )
    again = api.create(idempotency_key="crash-recorded")
    assert again["ok"], again
    assert again["data"] == first["data"]
    assert _debits(api) == (2, 2)


# ---------------------------------------------------------------------------- the outbox
class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> Any:
        return self.now


def _paid(make_api: Callable[..., Api], clock: Clock) -> tuple[Api, str]:
    """An agent who paid a 300-credit checkout with 4242 (the completion owed, not yet delivered)."""
    api = make_api(webhook_secret=SECRET, clock=clock, free_credits=0)
    api.signup()
    quote = api.request(
        "POST",
        "/v1/credit-quotes",
        json={"credits": 300, "payment_method": "stripe_checkout", "idempotency_key": "q"},
    )["data"]
    session = api.request(
        "POST",
        "/v1/credit-purchases/stripe-checkout-sessions",
        json={"quote_id": quote["quote_id"], "idempotency_key": "b"},
    )["data"]
    found = session_by_id(_storage(api), session["checkout_session_id"], now=clock())
    assert found is not None
    cards.pay(_storage(api), found, now=clock())  # the charge and its owed delivery, one transaction
    return api, session["payment_attempt_id"]


def _status(api: Api, attempt_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.request(
        "GET", "/v1/credit-purchases/status", params={"payment_attempt_id": attempt_id}
    )["data"]
    return data


def test_an_owed_completion_is_retried_on_schedule_and_grants_once(make_api: Callable[..., Api]) -> None:
    clock = Clock()
    api, attempt_id = _paid(make_api, clock)
    settings = api.client.app.state.outbox.settings  # type: ignore[attr-defined]
    pending = _status(api, attempt_id)
    assert pending["state"] == "processing"
    assert pending["next"]["retry_after_seconds"] == 1  # due now: the first attempt is immediate

    failures: list[str] = []

    def unreachable(event: dict[str, Any]) -> tuple[str, str | None]:
        failures.append(event["id"])
        return delivery.FAILED, "ConnectionRefusedError"

    down = delivery.Outbox(settings, _storage(api), send=unreachable)
    assert down.step() == 1
    base = settings.webhook_retry_base_seconds
    assert _status(api, attempt_id)["next"]["retry_after_seconds"] == base
    assert down.step() == 0  # not due again before its time
    clock.now += timedelta(seconds=base)
    assert down.step() == 1
    assert _status(api, attempt_id)["next"]["retry_after_seconds"] == 2 * base  # the delay doubles
    assert len(failures) == 2
    assert api.request("GET", "/v1/quota")["data"]["limits"]["payment_backed_remaining_credits"] == 0

    clock.now += timedelta(seconds=2 * base)
    up = delivery.Outbox(settings, _storage(api))  # a restarted server: the outbox is in the database
    assert up.step() == 1
    assert _status(api, attempt_id)["state"] == "succeeded"
    clock.now += timedelta(hours=1)
    assert up.step() == 0  # acknowledged: never sent again
    assert api.request("GET", "/v1/quota")["data"]["limits"]["payment_backed_remaining_credits"] == 300


def test_the_retry_schedule_doubles_up_to_an_hour() -> None:
    assert [delivery.delay(5, n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert delivery.delay(5, 20) == delivery.MAX_DELAY
    assert delivery.delay(5, 10_000) == delivery.MAX_DELAY


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook endpoint answering the statuses it is given in turn (each POST recorded)."""

    statuses: ClassVar[list[int]] = []
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).seen.append(json.loads(body)["id"])
        self.send_response(type(self).statuses.pop(0))
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("refusal", [400, 401, 404, 409, 500, 503])
def test_any_answer_but_a_2xx_is_retried_on_schedule(make_api: Callable[..., Api], refusal: int) -> None:
    """Stripe's rule: only a 2xx acknowledges a delivery; a 4xx is retried like a 5xx."""
    clock = Clock()
    api, _ = _paid(make_api, clock)
    receiver = type("Receiver", (_Receiver,), {"statuses": [refusal, refusal, 200], "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = api.client.app.state.outbox.settings  # type: ignore[attr-defined]
        to_receiver = replace(settings, webhook_delivery_base_url=f"http://127.0.0.1:{server.server_port}")
        sender = delivery.Outbox(to_receiver, _storage(api))
        base = settings.webhook_retry_base_seconds
        assert sender.step() == 1
        clock.now += timedelta(seconds=base)
        assert sender.step() == 1
        clock.now += timedelta(seconds=2 * base)
        assert sender.step() == 1  # acknowledged now
        clock.now += timedelta(hours=1)
        assert sender.step() == 0  # never sent again
    finally:
        server.shutdown()
        server.server_close()
    assert len(receiver.seen) == 3
    assert len(set(receiver.seen)) == 1
