"""client (the reverse direction): a client under test, run against the kit's own mock (with faults,
behind a recording proxy that can lose answers), prints one envelope per run, exits per the table,
never prints its token, retries with the same idempotency key and never clobbers a file."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from image_skill_api.registry import ERRORS, ID_PREFIXES, TOKEN_PREFIX, ErrorCode
from image_skill_conformance import runner
from image_skill_conformance.checks import Category, CheckSkipped, Outcome, Status, ensure
from image_skill_conformance.context import CONTACT, RUNTIME, CliRun, Context, Options, require_ok
from image_skill_conformance.mockserver import running_mock
from image_skill_conformance.proxy import Proxy

CATEGORY = Category(
    "client",
    "a client prints one envelope per run, exits per the table, hides its token, retries safely and"
    " never clobbers",
)
SENTINEL = b"the kit's file: a client must not overwrite it\n"


def _scenario(ctx: Context) -> dict[str, Any]:
    """The client's runs, once: signup, whoami, an unknown job, a create whose answer is lost, a get
    onto an existing file, a bad token, a missing flag."""
    if "client.scenario" in ctx.cache:
        return dict(ctx.cache["client.scenario"])
    proxy: Proxy = ctx.cache["client.proxy"]
    runs: dict[str, CliRun] = {}
    runs["signup"] = ctx.cli(
        "signup",
        "--agent",
        "--agent-contact",
        CONTACT,
        "--agent-name",
        "conformance-client",
        "--runtime",
        RUNTIME,
        "--save",
        "--json",
    )
    runs["whoami"] = ctx.cli("whoami", "--json")
    runs["unknown-job"] = ctx.cli("jobs", "show", f"{ID_PREFIXES['JobId']}{'0' * 24}", "--json")
    mark, proxy.lose_creates = len(proxy.create_keys), 1
    runs["create"] = ctx.cli("create", "--prompt", ctx.prompt("a lost answer"), "--json")
    keys = proxy.create_keys[mark:]
    proxy.lose_creates = 0
    existing = ctx.options.workdir / f"existing-{uuid.uuid4().hex[:8]}.png"
    existing.write_bytes(SENTINEL)
    owner = ctx.fresh_agent("client-owner")  # the kit's own asset: the get does not hang on the create run
    made = require_ok(ctx.api.call("createImage", token=owner, body={"prompt": ctx.prompt("a kept file")}))
    runs["no-clobber"] = ctx.cli(
        "assets", "get", made["assets"][0]["asset_id"], "--output", existing.name, "--json", token=owner
    )
    runs["bad-token"] = ctx.cli("whoami", "--json", token=TOKEN_PREFIX + "conformance" + uuid.uuid4().hex)
    runs["missing-flag"] = ctx.cli("create", "--json")
    found = {"runs": runs, "keys": keys, "existing": existing}
    ctx.cache["client.scenario"] = found
    return found


def _runs(ctx: Context) -> dict[str, CliRun]:
    runs: dict[str, CliRun] = _scenario(ctx)["runs"]
    return runs


@CATEGORY.check(
    "one-envelope",
    "Every run prints exactly one JSON envelope (the seven keys) on stdout and nothing else.",
    "cli.md: Output Rules",
)
def one_envelope(ctx: Context) -> None:
    for name, run in _runs(ctx).items():
        ensure(run.envelope is not None, f"the {name} run printed no single envelope on stdout", run.repro)


@CATEGORY.check(
    "exit-codes",
    "A run exits 0 exactly when ok, else with its error code's exit code from the registry.",
    "cli.md: Exit Codes",
)
def exit_codes(ctx: Context) -> None:
    for name, run in _runs(ctx).items():
        env = run.envelope
        if env is None:
            continue  # one-envelope reports it
        if env.get("ok") is True:
            ensure(run.exit_code == 0, f"the {name} run succeeded and exited {run.exit_code}", run.repro)
            continue
        code = run.error_code
        ensure(
            code in ErrorCode.__members__, f"the {name} run failed with unregistered code {code!r}", run.repro
        )
        want = int(ERRORS[ErrorCode(str(code))].exit_code)
        ensure(
            run.exit_code == want,
            f"the {name} run answered {code} and exited {run.exit_code}, not {want}",
            run.repro,
        )


@CATEGORY.check(
    "no-token-on-stdout", "No run prints the agent's token on stdout.", "cli.md: Global Rules (secrets)"
)
def no_token(ctx: Context) -> None:
    runs = _runs(ctx)
    tokens = ctx.cache["client.proxy"].seen_tokens
    if not tokens:
        raise CheckSkipped("the client sent no token the kit could see")
    for name, run in runs.items():
        ensure(
            not any(t in run.stdout for t in tokens), f"the {name} run printed the token on stdout", run.repro
        )


@CATEGORY.check(
    "retry-reuses-key",
    "A create retried after a lost answer sends the same idempotency key.",
    "cli.md: Retry-safe spending",
)
def retry_reuses_key(ctx: Context) -> None:
    keys = _scenario(ctx)["keys"]
    run = _runs(ctx)["create"]
    if len(keys) < 2:
        raise CheckSkipped(f"the client sent {len(keys)} create(s) after a lost answer: no retry to check")
    ensure(keys[0] is not None and len(set(keys)) == 1, f"the retries sent the keys {keys}", run.repro)


@CATEGORY.check(
    "no-clobber",
    "assets get onto an existing file without --overwrite leaves the file as it was and fails.",
    "cli.md: assets get",
)
def no_clobber(ctx: Context) -> None:
    found = _scenario(ctx)
    run = found["runs"]["no-clobber"]
    existing: Path = found["existing"]
    ensure(existing.read_bytes() == SENTINEL, "the existing file was overwritten", run.repro)
    ensure(run.exit_code != 0, "getting onto an existing file exited 0", run.repro)


def run(command: list[str], workdir: Path) -> list[Outcome]:
    """The client category for ``command``, against a fresh mock (``--faults``) behind the recording proxy."""
    try:
        with running_mock("--faults") as ready:
            proxy = Proxy(ready["base_url"]).start()
            try:
                ctx = Context(Options(proxy.url, cli=command, workdir=workdir))
                ctx.cache["client.proxy"] = proxy
                return runner.run_categories(ctx, [CATEGORY])
            finally:
                proxy.stop()
    except CheckSkipped as exc:
        return [Outcome(check, Status.SKIPPED, detail=str(exc)) for check in CATEGORY.checks]
