"""schema: every operation conforms to the spec under schemathesis (examples, coverage, fuzzing) with a
real token and real ids, and the stateful phase follows the spec's ``links``.

One schemathesis run (cached) feeds one check per operation plus the stateful check; a failure's
repro is schemathesis' own curl reproduction, the token replaced by ``$IMAGE_SKILL_TOKEN``.
"""

from __future__ import annotations

import json
import uuid
from importlib.resources import files
from typing import Any

from image_skill_api.constants import MOCK_CONTROL_PATH_PREFIX
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ERRORS, PAYMENT_METHOD_ID_VALUES
from image_skill_conformance import media
from image_skill_conformance.checks import Category, CheckFailed, CheckSkipped
from image_skill_conformance.context import Context, require_ok

#: The operations of the hosted API: the mock's own control API (`/_mock/`, tag `mock-control`,
#: served only by `image-skill-mock serve --control`) is no part of the contract a server implements.
HOSTED = {k: op for k, op in OPERATIONS.items() if not op.path.startswith(MOCK_CONTROL_PATH_PREFIX)}

CATEGORY = Category(
    "schema", "every operation's answers conform to the spec, under generated and linked (stateful) requests"
)
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
MAX_EXAMPLES = 5
STATEFUL_MAX_STEPS = 8


def real_ids(ctx: Context, token: str) -> dict[str, str]:
    """Real ids for the path and query parameters: the schema agent's own job, asset, purchase and newest
    event (an upload, so the ledger has one)."""
    made = require_ok(ctx.api.call("createImage", token=token, body={"prompt": ctx.prompt("a schema probe")}))
    body = {
        "credits": 10,
        "payment_method": PAYMENT_METHOD_ID_VALUES[0],
        "idempotency_key": f"kit-{uuid.uuid4().hex[:12]}",
    }
    quote = require_ok(ctx.api.call("createCreditQuote", token=token, body=body))
    bought = require_ok(
        ctx.api.call(
            "createStripeCheckoutSession",
            token=token,
            body={"quote_id": quote["quote_id"], "idempotency_key": f"kit-{uuid.uuid4().hex[:12]}"},
        )
    )
    require_ok(
        ctx.api.call("uploadAsset", token=token, body=media.upload_body(media.source_image(), "schema.png"))
    )
    events = require_ok(ctx.api.call("listActivity", token=token, query={"limit": 1}))["events"]
    return {
        "path.job_id": made["job_id"],
        "path.asset_id": made["assets"][0]["asset_id"],
        "path.ref": events[0]["event_id"],
        "query.payment_attempt_id": bought["payment_attempt_id"],
    }


def _config(ctx: Context, token: str) -> Any:
    from schemathesis.config import SchemathesisConfig

    statuses = sorted({str(spec.http_status) for spec in ERRORS.values() if spec.http_status})
    ids = real_ids(ctx, token)
    return SchemathesisConfig.from_dict(
        {
            "base-url": ctx.options.base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", *statuses]}},
            "generation": {"max-examples": MAX_EXAMPLES},
            "phases": {
                "stateful": {"max-steps": STATEFUL_MAX_STEPS, "generation": {"max-examples": MAX_EXAMPLES}}
            },
            "parameters": ids,
        }
    )


def results(ctx: Context) -> dict[str, list[str]]:
    """Operation id (or ``stateful``) -> its failures' repros; ``skipped`` lists phases that did not run."""
    if "schema.results" in ctx.cache:
        return dict(ctx.cache["schema.results"])
    import schemathesis
    from schemathesis.engine import events, from_schema

    token = ctx.fresh_agent("schema") if ctx.options.signup else ctx.primary()
    spec = json.loads((files("image_skill_api") / "spec.json").read_text(encoding="utf-8"))
    schema = schemathesis.openapi.from_dict(spec, config=_config(ctx, token)).exclude(tag="mock-control")
    schema.config.phases.update(phases=PHASES)
    by_label = {f"{op.method} {op.path}": op.operation_id for op in HOSTED.values()}
    found: dict[str, list[str]] = {key: [] for key in [*by_label.values(), "stateful", "skipped"]}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            key = (
                "stateful"
                if str(event.phase) == "stateful"
                else by_label.get(event.recorder.label, "stateful")
            )
            for checks in event.recorder.checks.values():
                found[key] += [
                    _repro(c, token)
                    for c in checks
                    if c.failure_info is not None and str(c.status) == "failure"
                ]
        elif isinstance(event, events.NonFatalError):
            found[by_label.get(event.label, "stateful")].append(f"# error: {event.info.message}")
        elif (
            isinstance(event, events.PhaseFinished)
            and str(event.phase.name) == "stateful"
            and event.phase.skip_reason
        ):
            found["skipped"].append(f"stateful: {event.phase.skip_reason}")
    ctx.cache["schema.results"] = found
    return dict(found)


def _repro(check: Any, token: str) -> str:
    info = check.failure_info
    return f"# {check.name}: {info.failure.title}\n{info.code_sample}".replace(token, "$IMAGE_SKILL_TOKEN")


def _operation_check(operation_id: str) -> Any:
    def body(ctx: Context) -> None:
        failures = results(ctx)[operation_id]
        if failures:
            raise CheckFailed(
                f"{len(failures)} schemathesis failure(s) on {operation_id}",
                "\n\n".join(dict.fromkeys(failures)),
            )

    return body


for _op in HOSTED.values():
    CATEGORY.check(
        _op.operation_id,
        f"{_op.method} {_op.path} answers as the spec says to generated requests, valid and invalid.",
        f"spec/openapi.yaml operationId {_op.operation_id}",
    )(_operation_check(_op.operation_id))


@CATEGORY.check(
    "stateful",
    "Following the spec's links (signup → quota, create → job → asset, quote → buy → status,"
    " upload → edit) keeps every answer conformant.",
    "spec/openapi.yaml (response links)",
)
def stateful(ctx: Context) -> None:
    found = results(ctx)
    if found["skipped"]:
        raise CheckSkipped("; ".join(found["skipped"]))
    if found["stateful"]:
        raise CheckFailed(
            f"{len(found['stateful'])} failure(s) in the stateful phase",
            "\n\n".join(dict.fromkeys(found["stateful"])),
        )
