"""Crash tests (issue 14): the real ``image-skill-mock serve``, frozen at a named crash point
(``--faults --pause-at NAME``), killed with SIGKILL there, and restarted on the same ``--db``.

- Killed right after a 4242 payment: after the restart the owed completion is delivered from the
  durable outbox and the credits are granted, exactly once.
- Killed at each point of a keyed create: the database holds exactly one of no job and no debit
  (the retry runs it) or one job and one debit (the retry returns it); the retry answers at once.
- After each, the ledger is consistent: every debit belongs to a job and sums to the jobs' debits.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from image_skill_mock import crashpoints

SECRET = "whsec_crash0123456789abcdef0123456789"
PROMPT = {"prompt": "a lighthouse in a storm", "idempotency_key": "crash-create-1"}


class Mock:
    """One ``serve`` process on ``db`` (its stderr in a file beside it)."""

    def __init__(self, db: Path, *args: str) -> None:
        self.stderr_path = db.with_name(f"{db.stem}-{time.monotonic_ns()}.stderr")
        with self.stderr_path.open("w", encoding="utf-8") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--db", str(db),
                 "--webhook-secret", SECRET, *args],
                stdout=subprocess.PIPE, stderr=stderr, text=True,
            )  # fmt: skip
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.kill()
            raise RuntimeError(f"the mock did not start: {self.stderr_path.read_text()[-2000:]}")
        self.base_url = str(json.loads(line)["base_url"])

    def paused_at(self, name: str) -> None:
        """Wait until the server announces it froze at ``name`` (a deadline, not a timed assertion)."""
        deadline = time.monotonic() + 120
        while f"paused at {name}" not in self.stderr_path.read_text(encoding="utf-8"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never paused at {name}: {self.stderr_path.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no shutdown of any kind."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.base_url + path, headers=headers, timeout=60, **kw).json()


@pytest.fixture
def mocks() -> Iterator[list[Mock]]:
    started: list[Mock] = []
    yield started
    for mock in started:
        mock.kill()


def _start(mocks: list[Mock], db: Path, *args: str) -> Mock:
    mocks.append(Mock(db, *args))
    return mocks[-1]


def _in_background(work: Any) -> threading.Thread:
    """Run ``work`` (a request the server freezes in) in a thread; its connection error is expected."""

    def run() -> None:
        with contextlib.suppress(requests.RequestException):
            work()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _signup(mock: Mock) -> str:
    body = {"agent_contact": "crash@example.com", "agent_name": "crash", "return_token": True}
    token: str = mock.call("POST", "/v1/agent-signups", json=body)["data"]["token"]
    return token


def _ledger(db: Path) -> dict[str, int]:
    """The database's jobs and debits, checked for consistency: every debit has its job, and the
    debits sum to what the jobs say they debited."""
    with sqlite3.connect(db) as conn:
        jobs = conn.execute("SELECT COUNT(*), COALESCE(SUM(credits_debited), 0) FROM jobs").fetchone()
        debits = conn.execute("SELECT COUNT(*), COALESCE(SUM(credits), 0) FROM usage_events").fetchone()
        orphans = conn.execute(
            "SELECT COUNT(*) FROM usage_events u LEFT JOIN jobs j ON j.job_id = u.job_id"
            " WHERE j.job_id IS NULL OR j.credits_debited != u.credits"
        ).fetchone()[0]
        charged = conn.execute("SELECT COUNT(*) FROM jobs WHERE credits_debited > 0").fetchone()[0]
        receipts = conn.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
        granted = conn.execute("SELECT COALESCE(SUM(credits), 0) FROM credit_events").fetchone()[0]
    assert orphans == 0, "a debit without its job"
    assert debits[1] == jobs[1], "the debits do not sum to the jobs' debits"
    assert debits[0] == charged, "a charged job without its debit"
    return {"jobs": jobs[0], "debits": debits[0], "receipts": receipts, "granted": granted}


# ------------------------------------------------------------------------------ payments
def test_a_kill_right_after_a_4242_payment_still_grants_the_credits_once(
    mocks: list[Mock], tmp_path: Path
) -> None:
    db = tmp_path / "pay.sqlite3"
    first = _start(mocks, db, "--faults", "--pause-at", crashpoints.PAYMENT_CHARGED, "--free-credits", "0")
    token = _signup(first)
    body = {"credits": 300, "payment_method": "stripe_checkout", "idempotency_key": "crash-quote"}
    quote = first.call("POST", "/v1/credit-quotes", token, json=body)["data"]
    bought = first.call(
        "POST", "/v1/credit-purchases/stripe-checkout-sessions", token,
        json={"quote_id": quote["quote_id"], "idempotency_key": "crash-buy"},
    )["data"]  # fmt: skip
    checkout = bought["checkout_url"]
    card = {"secret": checkout.partition("#")[2], "card_number": "4242424242424242", "expiry": "12 / 34",
            "cvc": "123", "promotion_code": ""}  # fmt: skip
    confirm = f"{first.base_url}{urlsplit(checkout).path}/confirm"
    paying = _in_background(lambda: requests.post(confirm, json=card, timeout=120))
    first.paused_at(crashpoints.PAYMENT_CHARGED)
    first.kill()
    paying.join()
    assert _ledger(db)["receipts"] == 0  # charged, not yet granted: the completion is owed

    second = _start(mocks, db, "--webhook-retry-base", "0.05")
    attempt = {"payment_attempt_id": bought["payment_attempt_id"]}
    deadline = time.monotonic() + 120
    while (status := second.call("GET", "/v1/credit-purchases/status", token, params=attempt)["data"])[
        "state"
    ] != "succeeded":
        assert status["state"] == "processing", status
        assert status["next"]["retry_after_seconds"] >= 1
        assert time.monotonic() < deadline, "the owed completion was never delivered"
        time.sleep(0.1)
    limits = second.call("GET", "/v1/quota", token)["data"]["limits"]
    assert limits["payment_backed_remaining_credits"] == 300
    second.stop()
    ledger = _ledger(db)
    assert (ledger["receipts"], ledger["granted"]) == (1, 300)  # exactly once
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT state FROM webhook_outbox").fetchall() == [("delivered",)]


# ------------------------------------------------------------------------- keyed creates
@pytest.mark.parametrize(
    "point", [crashpoints.CREATE_CLAIMED, crashpoints.CREATE_RENDERED, crashpoints.CREATE_RECORDED]
)
def test_a_kill_at_any_point_of_a_keyed_create_leaves_nothing_or_the_job_and_its_debit(
    mocks: list[Mock], tmp_path: Path, point: str
) -> None:
    db = tmp_path / "create.sqlite3"
    first = _start(mocks, db, "--faults", "--pause-at", point)
    token = _signup(first)
    creating = _in_background(lambda: first.call("POST", "/v1/create", token, json=PROMPT))
    first.paused_at(point)
    first.kill()
    creating.join()
    after_kill = _ledger(db)
    assert (after_kill["jobs"], after_kill["debits"]) in ((0, 0), (1, 1))
    recorded = after_kill["jobs"] == 1
    assert recorded == (point == crashpoints.CREATE_RECORDED)
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT job_id FROM jobs").fetchall()

    second = _start(mocks, db)
    retried = second.call("POST", "/v1/create", token, json=PROMPT)  # at once: nothing to wait for
    assert retried["ok"], retried
    if recorded:
        assert [(retried["data"]["job_id"],)] == kept  # the job the key recorded, returned
    again = second.call("POST", "/v1/create", token, json=PROMPT)
    assert again["data"] == retried["data"]
    quota = second.call("GET", "/v1/quota", token)["data"]
    second.stop()
    ledger = _ledger(db)
    assert (ledger["jobs"], ledger["debits"]) == (1, 1)
    assert (
        quota["limits"]["consumed_credits"] == retried["data"]["cost"]["credit_pricing"]["credits_required"]
    )
