"""Every query a request runs is an index search (issue #19): an agent's history never makes one
request cost more. Each statement the server runs through a whole session (signup, a purchase and
its refund, create, upload, edit, quota, activity, jobs and assets show, media, feedback) is
recorded as SQLite ran it, and ``EXPLAIN QUERY PLAN`` of each shows no full-table ``SCAN``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PIL import Image

from image_skill_mock.payments import stripe_wire as stripe

from .conftest import Api
from .test_feedback import BASE as FEEDBACK
from .test_webhooks import Purchase, send, shop  # noqa: F401 (the shop fixture)
from .uploading import encode, upload_body

#: Full scans that are not per agent: the telemetry listing reads every run in order, by design.
WHOLE_TABLE_READS = ("SCAN telemetry_events",)


def _session(api: Api) -> None:
    purchase = Purchase(api)
    assert send(api, purchase.event(stripe.CHECKOUT_COMPLETED))["data"]["outcome"] == "granted"
    purchase.status()
    job = api.create()["data"]
    data = encode(Image.new("RGB", (64, 48), (10, 120, 200)))
    asset_id = api.request("POST", "/v1/upload", json=upload_body(data))["data"]["asset"]["asset_id"]
    api.request("POST", "/v1/upload", json=upload_body(data))  # the same bytes: found, not stored again
    edit = {"prompt": "make it dusk", "input_asset_id": asset_id, "model": "fal.flux-pro-kontext"}
    assert api.request("POST", "/v1/edit", json=edit)["ok"]
    api.request("GET", "/v1/quota")
    api.request("GET", "/v1/activity")
    api.request("GET", f"/v1/activity/{job['job_id']}")
    api.request("GET", f"/v1/jobs/{job['job_id']}")
    asset = api.request("GET", f"/v1/assets/{job['assets'][0]['asset_id']}")["data"]["asset"]
    assert api.client.get(asset["url"]).status_code == 200
    api.request("POST", "/v1/feedback", json=FEEDBACK)
    send(api, purchase.event(stripe.CHARGE_REFUNDED))
    purchase.status()


def _plans(db: Path, statements: list[str]) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    try:
        plans = {}
        for sql in dict.fromkeys(statements):
            verb = sql.split(None, 1)[0].upper()
            planless = verb in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")
            if planless or (verb == "INSERT" and " SELECT " not in sql):
                continue  # no plan: a transaction's edges, or an insert of values
            plans[sql] = [str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        return plans
    finally:
        conn.close()


def test_every_query_of_a_session_searches_an_index(shop: Api) -> None:  # noqa: F811
    storage: Any = shop.client.app.state.storage  # type: ignore[attr-defined]
    statements: list[str] = []
    storage._conn.set_trace_callback(statements.append)  # the statements as run, values bound
    try:
        _session(shop)
    finally:
        storage._conn.set_trace_callback(None)
    plans = _plans(storage.path, statements)
    assert any("FROM balances" in sql for sql in plans), "the session read the running totals"
    scans = {
        sql: [step for step in steps if step.startswith("SCAN") and not step.startswith(WHOLE_TABLE_READS)]
        for sql, steps in plans.items()
    }
    assert {sql: steps for sql, steps in scans.items() if steps} == {}
    searched = [step for steps in plans.values() for step in steps if step.startswith("SEARCH")]
    assert any("USING INDEX" in step or "USING COVERING INDEX" in step for step in searched)
