"""The control API (issue 16): off without ``--control``, loopback or token only, fault rules, the one
clock, reset, the state document and the journal, in-process (the CLI's view: tests/e2e/test_harness.py)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from image_skill_api.constants import MOCK_CONTROL_TOKEN_HEADER, MOCK_CONTROL_VERSION_HEADER
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import LIMIT_MAX_ANONYMOUS_BODY_BYTES, ErrorCode
from image_skill_mock.clock import Clock

from .conftest import Api

CONTROL_OPERATIONS = [op for op in OPERATIONS.values() if op.path.startswith("/_mock/")]
FROZEN = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
LOOPBACK = ("127.0.0.1", 50123)


@pytest.fixture
def make_control(make_api: Callable[..., Api]) -> Callable[..., Api]:
    """A ``serve --control`` app; its client is loopback unless ``client`` says otherwise."""

    def make(client: tuple[str, int] = LOOPBACK, **settings: Any) -> Api:
        return make_api(client_address=client, control=True, **settings)

    return make


@pytest.fixture
def control(make_control: Callable[..., Api]) -> Api:
    return make_control(clock=Clock(FROZEN))


def _ok(body: dict[str, Any]) -> Any:
    assert body["ok"], body["error"]
    return body["data"]


# ------------------------------------------------------------------------------ who may use it
@pytest.mark.parametrize("op", CONTROL_OPERATIONS, ids=lambda op: op.operation_id)
def test_without_control_every_control_path_is_404(api: Api, op: Any) -> None:
    body = api.request(op.method, op.path, json={} if op.method == "POST" else None)
    assert body["status"] == 404
    assert body["error"]["code"] == ErrorCode.NOT_FOUND


def test_a_client_that_is_not_loopback_is_refused(make_control: Callable[..., Api]) -> None:
    remote = make_control(client=("203.0.113.7", 40000))
    body = remote.request("GET", "/_mock/clock")
    assert body["status"] == 403
    assert body["error"]["code"] == ErrorCode.MOCK_CONTROL_FORBIDDEN


def test_with_a_control_token_only_the_token_opens_it(make_control: Callable[..., Api]) -> None:
    guarded = make_control(client=("203.0.113.7", 40000), control_token="s3cret-token")
    assert guarded.request("GET", "/_mock/clock")["status"] == 403
    wrong = guarded.request("GET", "/_mock/clock", headers={MOCK_CONTROL_TOKEN_HEADER: "nope"})
    assert wrong["error"]["code"] == ErrorCode.MOCK_CONTROL_FORBIDDEN
    right = guarded.request("GET", "/_mock/clock", headers={MOCK_CONTROL_TOKEN_HEADER: "s3cret-token"})
    assert right["ok"]


def test_every_response_names_the_mock_version(control: Api) -> None:
    for path in ("/healthz", "/_mock/clock", "/no/such/path", "/docs"):
        response = control.client.get(path)
        assert response.headers[MOCK_CONTROL_VERSION_HEADER], path


# ------------------------------------------------------------------------------------ fault rules
def test_a_rule_of_times_2_fails_exactly_twice_then_succeeds(control: Api) -> None:
    control.signup()
    rule = _ok(control.request("POST", "/_mock/faults", json={"fault": "provider_failed", "times": 2}))
    assert rule["operation"] is None
    codes = [control.create()["error"] for _ in range(3)]
    assert [c and c["code"] for c in codes] == [ErrorCode.PROVIDER_FAILED, ErrorCode.PROVIDER_FAILED, None]
    [listed] = _ok(control.request("GET", "/_mock/faults"))["rules"]
    assert (listed["seen"], listed["fired"]) == (2, 2)


def test_after_lets_requests_through_and_probability_zero_never_fires(control: Api) -> None:
    control.signup()
    after = {"operation": "createImage", "fault": "provider_timeout", "after": 1, "times": 1}
    _ok(control.request("POST", "/_mock/faults", json=after))
    _ok(
        control.request(
            "POST", "/_mock/faults", json={"operation": "getQuota", "fault": "server_error", "probability": 0}
        )
    )
    assert control.create()["ok"]
    assert control.create()["error"]["code"] == ErrorCode.TIMEOUT
    assert control.create()["ok"]
    assert control.request("GET", "/v1/quota")["ok"]
    seen = {
        rule["fault"]: (rule["seen"], rule["fired"])
        for rule in _ok(control.request("GET", "/_mock/faults"))["rules"]
    }
    assert seen == {"provider_timeout": (2, 1), "server_error": (1, 0)}


def test_a_rule_never_touches_the_control_api_and_clear_removes_them(control: Api) -> None:
    _ok(control.request("POST", "/_mock/faults", json={"fault": "server_error"}))
    assert control.request("GET", "/_mock/faults")["ok"]  # a rule for every operation spares these
    assert control.request("GET", "/healthz")["status"] == 500
    assert _ok(control.request("DELETE", "/_mock/faults")) == {"cleared": 1}
    assert control.request("GET", "/healthz")["ok"]


def test_a_rule_for_an_operation_the_api_lacks_is_refused(control: Api) -> None:
    body = control.request("POST", "/_mock/faults", json={"operation": "launchRocket", "fault": "slow:10"})
    assert body["error"]["code"] == ErrorCode.MOCK_CONTROL_REQUEST_INVALID


# -------------------------------------------------------------------------------------- the clock
def test_a_frozen_clock_makes_the_daily_cap_reset_deterministic(make_control: Callable[..., Api]) -> None:
    api = make_control(clock=Clock(FROZEN), daily_jobs=1)
    api.signup()
    assert api.create()["ok"]
    refused = api.create()
    assert refused["error"]["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    assert refused["error"]["recovery"]["retry_after_seconds"] == 3600
    assert api.request("GET", "/v1/quota")["data"]["daily_jobs"]["resets_at"] == "2026-12-02T00:00:00.000Z"
    clock = _ok(api.request("POST", "/_mock/clock/advance", json={"seconds": 3600}))
    assert clock == {"now": "2026-12-02T00:00:00.000Z", "frozen": True, "advanced_seconds": 3600}
    assert api.create()["ok"]
    assert api.request("GET", "/healthz")["data"]["time"] == "2026-12-02T00:00:00.000Z"


def test_a_frozen_clock_makes_quote_expiry_deterministic(make_control: Callable[..., Api]) -> None:
    api = make_control(clock=Clock(FROZEN), quote_ttl_seconds=600)
    api.signup()
    terms = {"payment_method": "stripe_checkout", "credits": 500, "idempotency_key": "quote-1"}
    quote = _ok(api.request("POST", "/v1/credit-quotes", json=terms))
    assert quote["expires_at"] == "2026-12-01T23:10:00.000Z"
    _ok(api.request("POST", "/_mock/clock/advance", json={"seconds": 601}))
    bought = api.request(
        "POST",
        "/v1/credit-purchases/stripe-checkout-sessions",
        json={"quote_id": quote["quote_id"], "idempotency_key": "buy-1"},
    )
    assert bought["error"]["code"] == ErrorCode.CREDIT_QUOTE_EXPIRED


def test_pay_completes_a_checkout_and_grants_the_credits(control: Api) -> None:
    control.signup()
    before = control.request("GET", "/v1/quota")["data"]["limits"]["total_remaining_credits"]
    terms = {"payment_method": "stripe_checkout", "credits": 500, "idempotency_key": "q"}
    quote = _ok(control.request("POST", "/v1/credit-quotes", json=terms))
    buy = {"quote_id": quote["quote_id"], "idempotency_key": "b"}
    attempt = _ok(control.request("POST", "/v1/credit-purchases/stripe-checkout-sessions", json=buy))
    paid = _ok(
        control.request(
            "POST", "/_mock/payments/pay", json={"payment_attempt_id": attempt["payment_attempt_id"]}
        )
    )
    assert paid["outcome"] == "granted"
    assert control.request("GET", "/v1/quota")["data"]["limits"]["total_remaining_credits"] == before + 500
    again = control.request(
        "POST", "/_mock/payments/pay", json={"payment_attempt_id": attempt["payment_attempt_id"]}
    )
    assert again["error"]["code"] == ErrorCode.CHECKOUT_SESSION_NOT_OPEN


# --------------------------------------------------------------------- state, reset and the journal
def _answers(api: Api, job_id: str, asset_url: str) -> dict[str, Any]:
    return {
        "quota": api.request("GET", "/v1/quota")["data"],
        "activity": api.request("GET", "/v1/activity")["data"],
        "job": api.request("GET", f"/v1/jobs/{job_id}")["data"],
        "bytes": api.client.get(asset_url.removeprefix("http://testserver")).content,
    }


def test_export_reset_import_reproduces_every_answer(control: Api) -> None:
    control.signup()
    created = _ok(control.create())
    job_id, asset_url = created["job_id"], created["assets"][0]["url"]
    before = _answers(control, job_id, asset_url)
    document = _ok(control.request("GET", "/_mock/state/export"))
    assert document["version"] == 1
    [asset] = document["assets"]["assets"]
    assert base64.b64decode(asset["bytes"]["base64"]) == before["bytes"]
    assert _ok(control.request("POST", "/_mock/reset"))["scope"] == "all"
    assert control.request("GET", "/v1/quota")["error"]["code"] == ErrorCode.AUTH_REQUIRED
    loaded = _ok(control.request("POST", "/_mock/state/import", json=document))
    assert loaded["rows"]["jobs"] == 1
    assert _answers(control, job_id, asset_url) == before


def test_an_import_that_does_not_fit_changes_nothing(control: Api) -> None:
    control.signup()
    assert control.create()["ok"]
    document = _ok(control.request("GET", "/_mock/state/export"))
    document["jobs"]["jobs"] = [{"job_id": "job_x", "no_such_column": 1}]
    refused = control.request("POST", "/_mock/state/import", json=document)
    assert refused["error"]["code"] == ErrorCode.MOCK_CONTROL_REQUEST_INVALID
    dangling = _ok(control.request("GET", "/_mock/state/export"))
    dangling["agents"]["agents"] = []  # jobs and debits of nobody
    assert control.request("POST", "/_mock/state/import", json=dangling)["status"] == 422
    assert control.request("GET", "/v1/quota")["ok"]  # the agent is still there


def test_reset_of_one_agent_leaves_the_others(control: Api) -> None:
    first = control.signup("first")
    second = control.signup("second")
    who = control.request("GET", "/v1/whoami", token=first)["data"]["actor"]["actor_id"]
    assert _ok(control.request("POST", "/_mock/reset", json={"agent_id": who}))["scope"] == "agent"
    assert control.request("GET", "/v1/whoami", token=first)["status"] == 401
    assert control.request("GET", "/v1/whoami", token=second)["ok"]


def test_the_journal_deltas_agree_with_the_quota(control: Api) -> None:
    control.signup()
    agent_id = control.request("GET", "/v1/whoami")["data"]["actor"]["actor_id"]
    before = control.request("GET", "/v1/quota")["data"]
    created = control.create()
    control.create(dry_run=True)
    after = control.request("GET", "/v1/quota")["data"]
    entries = _ok(control.request("GET", "/_mock/journal", params={"agent_id": agent_id}))["entries"]
    ops = [entry["operation"] for entry in entries]
    assert ops == ["createAgentSignup", "getWhoami", "getQuota", "createImage", "createImage", "getQuota"]
    deltas = [entry["delta"].get(agent_id, {}) for entry in entries]
    spent = sum(d.get("credits", 0) for d in deltas[3:5])
    assert (
        spent == after["limits"]["total_remaining_credits"] - before["limits"]["total_remaining_credits"] < 0
    )
    assert sum(d.get("jobs", 0) for d in deltas) == 2  # the dry run keeps a planned job
    assert deltas[0]["credits"] == before["limits"]["total_remaining_credits"]  # the signup's grant
    [mine] = _ok(control.request("GET", "/_mock/journal", params={"trace_id": created["trace_id"]}))[
        "entries"
    ]
    assert (mine["status"], mine["exit_code"], mine["agent_id"]) == (200, 0, agent_id)


def test_the_guard_runs_before_the_body_and_lets_a_whole_state_document_through(
    make_control: Callable[..., Api],
) -> None:
    padded = {"version": 1, "pad": "x" * (2 * LIMIT_MAX_ANONYMOUS_BODY_BYTES)}  # no token: anonymous
    remote = make_control(client=("203.0.113.7", 40000)).request("POST", "/_mock/state/import", json=padded)
    assert remote["error"]["code"] == ErrorCode.MOCK_CONTROL_FORBIDDEN  # refused from the headers
    allowed = make_control().request("POST", "/_mock/state/import", json=padded)
    assert allowed["error"]["code"] != ErrorCode.REQUEST_TOO_LARGE  # the operation's own bound
    assert allowed["error"]["code"] == ErrorCode.INVALID_ARGUMENTS  # read and judged against the spec


@pytest.mark.parametrize("content", [b"\n", b"  \t\r\n"])
def test_a_body_of_only_whitespace_is_malformed_json_not_an_absent_body(control: Api, content: bytes) -> None:
    """An optional body left out resets everything; one sent as whitespace is not JSON (schemathesis'
    ST201 found `-d $'\\n'` accepted as "no body")."""
    json_type = {"content-type": "application/json"}
    refused = control.request("POST", "/_mock/reset", content=content, headers=json_type)
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert _ok(control.request("POST", "/_mock/reset", content=b"", headers=json_type))["scope"] == "all"
