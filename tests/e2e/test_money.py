"""End to end: the real ``image-skill`` CLI buys credits from a real ``image-skill-mock serve --strict``.

packs -> quote -> buy -> pay (``image-skill-mock stripe trigger``, or the checkout page's own calls,
whose webhook the server delivers to itself over HTTP) -> status ``succeeded`` -> quota up by exactly
the pack's credits -> create spends them. Refusals carry recoveries that run as printed.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from image_skill_api.registry import ErrorCode

from .conftest import Cli, Result

pytestmark = pytest.mark.e2e

SECRET = "whsec_e2e0123456789abcdef0123456789"


def trigger(base_url: str, event: str, attempt_id: str, *extra: str, secret: str = SECRET) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", "stripe", "trigger", event,
         "--payment-attempt-id", attempt_id, "--api-base-url", base_url, "--webhook-secret", secret, *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if report["ok"] else 1)
    return report


@pytest.fixture(scope="module")
def paying_server(start_module_server: Callable[..., str]) -> str:
    """One server for the module's purchases: each test signs up a buyer of its own, and quotes,
    idempotency keys, payments and quotas are an agent's own."""
    return start_module_server("--webhook-secret", SECRET, "--daily-jobs", "20")


@pytest.fixture
def paying(paying_server: str, tmp_path: Any) -> Cli:
    home = tmp_path / "buyer"
    home.mkdir()
    cli = Cli(paying_server, home)
    cli.signup("buyer")
    return cli


def base(cli: Cli) -> str:
    return cli.env["IMAGE_SKILL_API_BASE_URL"]


def quote_and_buy(cli: Cli, *terms: str, key: str = "e2e-quote-1") -> tuple[Result, Result]:
    quoted = cli("credits", "quote", *(terms or ("--pack", "starter-500")), "--idempotency-key", key)
    assert quoted.exit_code == 0, quoted.envelope
    bought = cli(
        "credits", "buy", "--provider", "stripe", "--quote-id", quoted.data["quote_id"],
        "--idempotency-key", "e2e-buy-" + key,
    )  # fmt: skip
    assert bought.exit_code == 0, bought.envelope
    return quoted, bought


def test_a_complete_purchase_then_create_spends_the_credits(paying: Cli) -> None:
    packs = paying("credits", "packs", "list", env={"IMAGE_SKILL_CONFIG_PATH": "/nonexistent/none.json"})
    assert packs.exit_code == 0  # no token needed
    assert packs.envelope["command"] == "image-skill credits packs list"
    starter = next(p for p in packs.data["packs"] if p["pack_id"] == packs.data["default_pack_id"])
    before = paying("usage", "quota").data["limits"]

    quoted = paying("credits", "quote", "--pack", starter["pack_id"])
    assert quoted.exit_code == 0
    assert quoted.envelope["command"] == "image-skill credits quote"
    [warning] = quoted.envelope["warnings"]  # a string, for a reader
    generated = quoted.data["idempotency_key"]
    assert quoted.data["idempotency_key_generated"] is True  # the fact, in data
    assert generated in warning
    assert generated.startswith("quote-")
    replay = paying("credits", "quote", "--pack", starter["pack_id"], "--idempotency-key", generated)
    assert replay.data["quote_id"] == quoted.data["quote_id"]
    assert replay.envelope["warnings"] == []
    assert replay.data["idempotency_key_generated"] is False

    bought = paying(
        "credits", "buy", "--provider", "stripe", "--quote-id", quoted.data["quote_id"],
        "--idempotency-key", "stripe-buy-run-001",
    )  # fmt: skip
    assert bought.exit_code == 0, bought.envelope
    data = bought.data
    assert data["state"] == "action_required"
    assert data["checkout_handoff_url"].startswith(base(paying) + "/pay/payatt_")
    assert data["checkout_compact_url"] == data["checkout_handoff_url"]
    assert "#fid" in data["checkout_url"]
    assert paying("usage", "quota").data["limits"] == before  # a session grants nothing

    waiting = paying("credits", "status", "--payment-attempt-id", data["payment_attempt_id"])
    assert waiting.data["state"] == "action_required"
    assert waiting.data["next"]["retry_after_seconds"] > 0
    assert waiting.data["payment_attempt"]["checkout_url"] == data["checkout_url"]  # fragment intact

    report = trigger(base(paying), "checkout.session.completed", data["payment_attempt_id"])  # type: ignore[attr-defined]
    assert report["deliveries"] == [{"status": 200, "outcome": "granted"}]

    done = paying("credits", "status", "--payment-attempt-id", data["payment_attempt_id"])
    assert done.data["state"] == "succeeded"
    assert done.data["receipt"]["credits"] == starter["credits"]
    assert done.data["credit_event"]["kind"] == "payment_backed_granted"
    for flag, ref in (
        ("--quote-id", quoted.data["quote_id"]),
        ("--checkout-session-id", data["checkout_session_id"]),
        ("--receipt-id", done.data["receipt"]["receipt_id"]),
    ):
        assert paying("credits", "status", flag, ref).data["state"] == "succeeded"
    after = paying("usage", "quota").data["limits"]
    assert after["total_remaining_credits"] == before["total_remaining_credits"] + starter["credits"]
    assert after["remaining_credits"] == before["remaining_credits"]  # the preview part only
    assert after["payment_backed_remaining_credits"] == starter["credits"]

    spent = 0
    while paying("usage", "quota").data["limits"]["preview_remaining_credits"] > 0 or spent < 2:
        created = paying("create", "--prompt", "a lighthouse keeper's brass telescope")
        assert created.exit_code == 0, created.envelope
        spent += 1
    final = paying("usage", "quota").data["limits"]
    assert final["payment_backed_remaining_credits"] < starter["credits"]  # paid credits were spent
    assert final["total_remaining_credits"] == after["total_remaining_credits"] - final["consumed_credits"]
    assert final["total_remaining_credits"] == (
        final["remaining_credits"] + final["payment_backed_remaining_credits"]
    )


def test_paying_on_the_checkout_page_delivers_the_webhook_over_http(paying: Cli) -> None:
    _, bought = quote_and_buy(paying, "--credits", "137")
    handoff = requests.get(bought.data["checkout_handoff_url"], allow_redirects=False, timeout=10)
    assert handoff.status_code == 303
    checkout_url = handoff.headers["location"]
    assert checkout_url == bought.data["checkout_url"]
    page = requests.get(checkout_url.partition("#")[0], timeout=10)
    assert "TEST MODE" in page.text
    assert "$1.37 USD" in page.text
    path, secret = urlsplit(checkout_url).path, checkout_url.partition("#")[2]
    card = {"secret": secret, "expiry": "12 / 34", "cvc": "123", "promotion_code": ""}
    root = base(paying)
    declined = requests.post(
        f"{root}{path}/confirm", json={**card, "card_number": "4000000000000002"}, timeout=10
    )
    assert declined.status_code == 402
    assert declined.json()["error"]["code"] == ErrorCode.PAYMENT_DECLINED
    paid = requests.post(
        f"{root}{path}/confirm", json={**card, "card_number": "4242424242424242"}, timeout=10
    )
    assert paid.status_code == 200, paid.text
    attempt = bought.data["payment_attempt_id"]
    deadline = time.monotonic() + 20
    while (
        state := paying("credits", "status", "--payment-attempt-id", attempt).data["state"]
    ) != "succeeded":
        assert state in ("processing", "action_required")
        assert time.monotonic() < deadline, "the webhook never granted the credits"
        time.sleep(0.2)
    assert paying("usage", "quota").data["limits"]["payment_backed_remaining_credits"] == 137


def test_buy_without_a_key_recovers_with_a_ready_key(paying: Cli) -> None:
    quoted = paying("credits", "quote", "--credits", "25")
    refused = paying("credits", "buy", "--provider", "stripe", "--quote-id", quoted.data["quote_id"])
    assert refused.exit_code == 2
    assert refused.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert refused.error["recovery"]["required_flag"] == "--idempotency-key"
    followed = paying.follow(refused.error["recovery"]["suggested_command"])
    assert followed.exit_code == 0, followed.envelope
    assert followed.data["state"] == "action_required"
    no_provider = paying("credits", "buy", "--quote-id", quoted.data["quote_id"], "--idempotency-key", "k-1")
    assert no_provider.error["recovery"]["required_flag"] == "--provider"
    assert paying.follow(no_provider.error["recovery"]["suggested_command"]).exit_code == 0


def test_a_quote_conflict_recovery_runs_as_printed(paying: Cli) -> None:
    assert paying("credits", "quote", "--credits", "10", "--idempotency-key", "quote-run-001").exit_code == 0
    conflict = paying("credits", "quote", "--credits", "11", "--idempotency-key", "quote-run-001")
    assert conflict.exit_code == 2
    assert conflict.error["code"] == ErrorCode.CREDIT_QUOTE_CONFLICT
    command = conflict.error["recovery"]["suggested_command"]
    assert "--api-base-url" in command  # aimed at the API this run used
    followed = paying.follow(command)
    assert followed.exit_code == 0
    assert followed.data["credits"] == 11
    assert followed.data["idempotency_key"] != "quote-run-001"


def test_status_takes_at_most_one_reference_and_credentials_are_refused(paying: Cli) -> None:
    none = paying("credits", "status")  # issue 15 item 10: no reference answers the balance
    assert none.exit_code == 0
    assert none.data["state"] == "balance"
    two = paying("credits", "status", "--quote-id", "quote_" + "a" * 32, "--receipt-id", "rcpt_" + "b" * 32)
    assert two.exit_code == 2
    assert two.error["code"] == ErrorCode.CREDIT_PURCHASE_REFERENCE_REQUIRED
    malformed = paying("credits", "status", "--quote-id", "not-a-quote")
    assert malformed.exit_code == 2
    for argv in (
        ["credits", "quote", "--credits", "10", "--card-number=4242424242424242"],
        ["credits", "buy", "--provider", "stripe", "--quote-id", "quote_x", "--promotion-code", "FREE"],
        ["credits", "status", "--stripe-secret-key", "sk_test_x", "--quote-id", "quote_x"],
    ):
        refused = paying(*argv)
        assert refused.error["code"] == ErrorCode.PAYMENT_CREDENTIAL_FLAG_REJECTED
        assert "4242" not in refused.stdout
        assert "sk_test_x" not in refused.stdout


def test_token_stdin_works_for_the_credits_verbs(paying: Cli) -> None:
    token = json.loads(paying.config_path.read_text())["token"]
    quoted = paying(
        "credits", "quote", "--credits", "5", "--token-stdin", stdin=token + "\n",
        env={"IMAGE_SKILL_CONFIG_PATH": str(paying.cwd / "empty.json")},
    )  # fmt: skip
    assert quoted.exit_code == 0, quoted.envelope
    status = paying(
        "credits", "status", "--quote-id", quoted.data["quote_id"], "--token-stdin", stdin=token + "\n",
        env={"IMAGE_SKILL_CONFIG_PATH": str(paying.cwd / "empty.json")},
    )  # fmt: skip
    assert status.data["state"] == "created"
    assert shlex.split(status.data["next"]["after_payment"].split(": ", 1)[1])[:3] == [
        "image-skill", "credits", "buy",
    ]  # fmt: skip


# ------------------------------------------------------------------ retry-safe spending
class _LossyProxy:
    """Forwards HTTP to the mock; drops the answer of the first ``drops`` creates after the mock has
    handled them (the connection closes with no reply: the client cannot know what happened)."""

    def __init__(self, upstream: str, drops: int, *, gateway_error: bool = False) -> None:
        import http.server
        import threading

        self.drops = drops
        self.gateway_error = gateway_error  # answer 502 (a gateway's HTML page) instead of closing
        self.creates = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                answer = requests.request(
                    self.command, upstream + self.path, data=body, headers=headers, timeout=60
                )
                if self.path == "/v1/create":
                    proxy.creates += 1
                    if proxy.creates <= proxy.drops and proxy.gateway_error:
                        page = b"<html><body>502 Bad Gateway</body></html>"
                        self.send_response(502)
                        self.send_header("content-type", "text/html")
                        self.send_header("content-length", str(len(page)))
                        self.end_headers()
                        self.wfile.write(page)
                        return
                    if proxy.creates <= proxy.drops:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                self.send_response(answer.status_code)
                for name in ("content-type", "x-image-skill-exit-code"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lossy(start_server: Any, tmp_path: Any) -> Any:
    proxies: list[_LossyProxy] = []

    def make(drops: int, *, gateway_error: bool = False) -> tuple[Cli, _LossyProxy]:
        proxy = _LossyProxy(start_server(), drops, gateway_error=gateway_error)
        proxies.append(proxy)
        home = tmp_path / f"lossy-{len(proxies)}"
        home.mkdir()
        cli = Cli(proxy.url, home)
        cli.signup("lossy")
        return cli, proxy

    yield make
    for proxy in proxies:
        proxy.close()


def test_a_create_whose_answer_was_lost_is_retried_once_with_the_same_key(lossy: Any) -> None:
    cli, proxy = lossy(1)
    created = cli("create", "--prompt", "a weathered ship's bell")
    assert created.exit_code == 0, created.envelope
    assert proxy.creates == 2  # the lost answer, then the retry
    quota = cli("usage", "quota").data
    assert quota["daily_jobs"]["used"] == 1  # one job,
    assert quota["limits"]["consumed_credits"] == created.data["cost"]["credit_pricing"]["credits_required"]


def test_a_failed_create_recovery_carries_its_key_and_cannot_charge_twice(lossy: Any) -> None:
    cli, proxy = lossy(2)
    prompt = "a weathered ship's bell"
    failed = cli("create", "--prompt", prompt, "--idempotency-key", "bell-run-001")
    assert failed.exit_code == 7
    assert failed.error["code"] == ErrorCode.HOSTED_API_REQUEST_FAILED
    recovery = failed.error["recovery"]
    assert recovery["idempotency_key"] == "bell-run-001"
    assert prompt not in failed.stdout  # the prompt is never echoed: the rerun reads it from stdin
    argv = shlex.split(recovery["suggested_command"])
    assert argv[argv.index("--idempotency-key") + 1] == "bell-run-001"
    assert cli("usage", "quota").data["daily_jobs"]["used"] == 1  # the server did make the job
    rerun = cli(*argv[1:], stdin=prompt)
    assert rerun.exit_code == 0, rerun.envelope
    assert proxy.creates == 3
    quota = cli("usage", "quota").data
    assert quota["daily_jobs"]["used"] == 1  # the rerun got the original job: no second job or debit
    assert quota["limits"]["consumed_credits"] == rerun.data["cost"]["credit_pricing"]["credits_required"]


def test_the_guide_leads_from_quota_required_through_a_purchase_to_ready(
    start_server: Any, tmp_path: Any
) -> None:
    base_url = start_server("--webhook-secret", SECRET, "--free-credits", "5")
    home = tmp_path / "guided"
    home.mkdir()
    cli = Cli(base_url, home)
    cli.signup("guided")
    prompt = "a folding field easel in morning light"
    guide = cli("create", "--guide", "--prompt", prompt)
    assert guide.data["stage"] == "quota_required"
    assert guide.data["mutation"]["payment_object"] is False
    packs = cli.follow(guide.data["next_command"])
    assert packs.envelope["command"] == "image-skill credits packs list"
    quoted = cli.follow(guide.data["after_next"])
    assert quoted.envelope["command"] == "image-skill credits quote"
    assert quoted.data["pack_id"] == packs.data["default_pack_id"]
    bought = cli(
        "credits", "buy", "--provider", "stripe", "--quote-id", quoted.data["quote_id"],
        "--idempotency-key", "guided-buy-1",
    )  # fmt: skip
    assert cli("create", "--guide", "--prompt", prompt).data["stage"] == "quota_required"  # not paid yet
    trigger(base_url, "checkout.session.completed", bought.data["payment_attempt_id"])
    ready = cli("create", "--guide", "--prompt", prompt)
    assert ready.data["stage"] == "ready_to_create"
    created = cli.follow(ready.data["next_command"])
    assert created.exit_code == 0, created.envelope
    limits = cli("usage", "quota").data["limits"]
    assert limits["payment_backed_remaining_credits"] < quoted.data["credits"]  # the paid credits paid for it


def test_refunds_and_disputes_through_stripe_trigger(paying: Cli) -> None:
    root = base(paying)
    _, bought = quote_and_buy(paying, "--credits", "100")
    attempt = bought.data["payment_attempt_id"]
    trigger(root, "checkout.session.completed", attempt)
    assert paying("create", "--prompt", "a copper kettle").exit_code == 0  # spends preview credits first
    partial = trigger(root, "charge.refunded", attempt, "--amount", "30")
    assert partial["deliveries"] == [{"status": 200, "outcome": "applied"}]
    assert paying("credits", "status", "--payment-attempt-id", attempt).data["state"] == "refunded"
    assert paying("usage", "quota").data["limits"]["payment_backed_remaining_credits"] == 70
    disputed = trigger(root, "charge.dispute.created", attempt, "--amount", "70")
    assert disputed["deliveries"][0]["outcome"] == "applied"
    assert paying("usage", "quota").data["limits"]["payment_backed_remaining_credits"] == 0
    assert paying("credits", "status", "--payment-attempt-id", attempt).data["state"] == "disputed"
    reinstated = trigger(root, "charge.dispute.funds_reinstated", attempt, "--repeat", "3")
    assert [d["outcome"] for d in reinstated["deliveries"]] == ["reinstated", "duplicate", "duplicate"]
    assert paying("usage", "quota").data["limits"]["payment_backed_remaining_credits"] == 70
    too_much = trigger(root, "charge.refunded", attempt, "--amount", "71")  # 30 + 71 > 100 paid
    assert too_much["deliveries"][0]["outcome"] == "rejected"
    from image_skill_mock.payments import trigger as stripe_trigger

    refund = stripe_trigger.build(
        "charge.refunded", stripe_trigger.objects(root, SECRET, attempt), amount=10, now=int(time.time())
    )
    status, answer = stripe_trigger.send(root, "whsec_forged0123456789abcdef", refund, now=int(time.time()))
    assert (status, answer["error"]["code"]) == (400, ErrorCode.WEBHOOK_SIGNATURE_INVALID)
    assert trigger(root, "charge.refunded", attempt, secret="whsec_forged0123456789abcdef")["ok"] is False
    assert paying("usage", "quota").data["limits"]["payment_backed_remaining_credits"] == 70


def test_pack_and_credits_together_must_agree(paying: Cli) -> None:
    agreed = paying(
        "credits", "quote", "--pack", "starter-500", "--credits", "500", "--idempotency-key", "pc-1"
    )
    assert agreed.exit_code == 0, agreed.envelope
    assert (agreed.data["pack_id"], agreed.data["credits"]) == ("starter-500", 500)
    disagree = paying("credits", "quote", "--pack", "starter-500", "--credits", "400")
    assert disagree.exit_code == 2
    assert disagree.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert paying.follow(disagree.error["recovery"]["suggested_command"]).exit_code == 0
    unknown = paying("credits", "quote", "--pack", "no-such-pack")
    assert unknown.error["code"] == ErrorCode.NOT_FOUND
    assert paying.follow(unknown.error["recovery"]["suggested_command"]).exit_code == 0


def test_a_create_answered_by_a_5xx_is_retried_once_with_the_same_key(lossy: Any) -> None:
    cli, proxy = lossy(1, gateway_error=True)
    created = cli("create", "--prompt", "a weathered ship's bell")
    assert created.exit_code == 0, created.envelope
    assert proxy.creates == 2
    quota = cli("usage", "quota").data
    assert quota["daily_jobs"]["used"] == 1
    assert quota["limits"]["consumed_credits"] == created.data["cost"]["credit_pricing"]["credits_required"]


@pytest.mark.parametrize(
    "argv",
    [
        ["credits", "quote", "--credits", "abc"],
        ["credits", "quote", "--credits", "0"],
        ["credits", "quote", "--credits", "5001"],
        ["credits", "quote", "--credits", "١٠"],  # not ASCII digits
        ["credits", "quote", "--pack", "Bad Pack"],
        ["credits", "quote", "--pack", "starter-500", "--payment-method", "paypal"],
        ["credits", "quote", "--credits", "10", "--idempotency-key", "bad key!"],
        ["credits", "quote"],
        ["credits", "buy", "--provider", "stripe", "--quote-id", "quote_nope", "--idempotency-key", "k"],
        [
            "credits",
            "buy",
            "--provider",
            "paypal",
            "--quote-id",
            "quote_" + "a" * 32,
            "--idempotency-key",
            "k",
        ],
        ["credits", "status", "--receipt-id", "rcpt_$(id)"],
    ],
    ids=lambda argv: " ".join(argv[1:3]),
)
def test_bad_credits_values_are_refused_locally(closed_port_url: str, tmp_path: Any, argv: list[str]) -> None:
    cli = Cli(closed_port_url, tmp_path)  # nothing listens there: every refusal is decided locally
    refused = cli(*argv, env={"IMAGE_SKILL_TOKEN": "isk_r_" + "x" * 40})
    assert refused.exit_code == 2, refused.envelope
    assert refused.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert refused.error.get("recovery"), refused.envelope
