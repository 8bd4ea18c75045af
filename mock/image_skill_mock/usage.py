"""The help text of ``image-skill-mock`` (``USAGE``), which docopt parses; the defaults are the
server's own (``settings``), formatted in."""

from __future__ import annotations

from image_skill_mock.settings import (
    DAILY_JOBS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    FREE_CREDITS,
    QUOTE_TTL_SECONDS,
    WEBHOOK_RETRY_BASE_SECONDS,
)

USAGE = f"""\
image-skill-mock: the reference server of the Image Skill hosted API.

Usage:
  image-skill-mock serve [--host=H] [--port=P] [--db=PATH] [--strict] [--free-credits=N] [--daily-jobs=N]
                         [--public-base-url=URL] [--faults] [--webhook-secret=S] [--quote-ttl=SECONDS]
                         [--control] [--control-token=T] [--seed-file=FILE] [--clock=CLOCK]
                         [--log-level=LEVEL] [--log-file=FILE] [--job-latency-ms=MS]
                         [--catalog=FILE] [--webhook-retry-base=SECONDS] [--pause-at=NAME]
  image-skill-mock state (export [--output=FILE] | import FILE | reset [--agent-id=ID]) --url=URL
                         [--control-token=T]
  image-skill-mock clock (show | advance --seconds=N) --url=URL [--control-token=T]
  image-skill-mock faults (add [--operation=OP] --fault=NAME [--times=N] [--probability=P] [--after=N]
                         | list | clear) --url=URL [--control-token=T]
  image-skill-mock journal [--trace-id=T] [--agent-id=ID] [--limit=N] --url=URL [--control-token=T]
  image-skill-mock pay PAYMENT_ATTEMPT_ID --url=URL [--control-token=T]
  image-skill-mock demo [--out=DIR]
  image-skill-mock telemetry --db=PATH
  image-skill-mock check --db=PATH
  image-skill-mock stripe trigger EVENT --payment-attempt-id=ID --api-base-url=URL --webhook-secret=S
                         [--amount=CENTS] [--currency=C] [--charge-id=ID] [--dispute-id=ID] [--repeat=N]
  image-skill-mock --version
  image-skill-mock (-h | --help)

Options:
  --host=H                 Interface to bind [default: {DEFAULT_HOST}].
  --port=P                 Port; 0 picks a free one [default: {DEFAULT_PORT}].
  --db=PATH                SQLite database file (default: a throwaway file removed at exit).
  --strict                 Validate every response against the spec (a mismatch becomes a 500 envelope).
  --free-credits=N         Preview credits granted to each new agent [default: {FREE_CREDITS}].
  --daily-jobs=N           Jobs each agent may run per UTC day [default: {DAILY_JOBS}].
  --public-base-url=URL    The http(s)://host[:port] clients reach this server at, used in asset URLs
                           (default: the bound address). The request's Host header is never used.
  --faults                 Honour the x-image-skill-mock-fault request header (fault injection for tests:
                           provider_failed, provider_timeout, storage_failed, feedback_storage_failed,
                           server_error, slow[:MS]). Without it the header is ignored.
  --webhook-secret=S       The whsec_ secret Stripe-format webhook deliveries are signed with (default: a
                           fresh one, printed in the ready line).
  --quote-ttl=SECONDS      How long a credit quote can be bought [default: {QUOTE_TTL_SECONDS}].
  --pause-at=NAME          With --faults: freeze at crash point NAME, for crash tests (crashpoints.py).
  --webhook-retry-base=SECONDS
                           The first wait before a webhook delivery that was not acknowledged (any answer
                           but a 2xx, or none) is sent again; each later wait doubles, at most an hour,
                           for three days [default: {WEBHOOK_RETRY_BASE_SECONDS:g}].
  --control                Serve the control API under /_mock/ (reset, state export/import, clock, fault
                           rules, the request journal, pay); without it those paths are 404.
  --control-token=T        Require this token (x-image-skill-mock-control-token) on control requests and
                           accept them from any address; without it only loopback clients may use them.
                           The control commands send it (or IMAGE_SKILL_MOCK_CONTROL_TOKEN).
  --seed-file=FILE         Load a state document (`state export`) at start, replacing the --db's state.
  --clock=CLOCK            `system`, or `frozen:2026-12-01T00:00:00Z`: a clock that stands still until
                           advanced (`clock advance`) [default: system].
  --log-level=LEVEL        debug, info, warning or error; info shows one JSON access-log line per
                           request (trace id, operation, status, exit code, ms) [default: info].
  --log-file=FILE          Append the access log to FILE instead of stderr.
  --url=URL                The base URL of a running `serve --control` (the control commands).
  --output=FILE            state export: write the document to FILE (prints what it holds).
  --agent-id=ID            state reset: only this agent's rows; journal: only its requests.
  --seconds=N              clock advance: how far to move the clock forward.
  --operation=OP           faults add: the operationId (e.g. createImage); default: every operation
                           where the fault can fire.
  --fault=NAME             faults add: a fault name as --faults takes it (provider_failed, slow:500, ...).
  --times=N                faults add: fire at most N times (default: without end).
  --probability=P          faults add: fire with probability P, 0..1 (default 1).
  --after=N                faults add: let the first N matching requests through.
  --trace-id=T             journal: only the requests of this trace id.
  --limit=N                journal: the newest N entries (default 100).
  --job-latency-ms=MS      How long a real create/edit job runs [default: 0]. 0 answers it completed;
                           more answers it queued and completes (or fails) it in the background after
                           about MS ms (poll `jobs show` / `jobs wait`); a job a crash interrupted is
                           finished when the server starts again on the same --db.
  --catalog=FILE           Serve this catalog data file (the format of the packaged data/models.json:
                           rows may state `lifecycle`) instead of the packaged catalog.
  --out=DIR                Where the demo writes its image [default: ./demo-output].
  --payment-attempt-id=ID  stripe trigger: the payment attempt (payatt_...) the event is about.
  --api-base-url=URL       stripe trigger: the running mock's base URL.
  --amount=CENTS           stripe trigger: the amount paid, refunded or disputed (default: all of it).
  --currency=C             stripe trigger: the currency the event states (default: the payment's).
  --charge-id=ID           stripe trigger: state another charge id (an unknown charge is refused).
  --dispute-id=ID          stripe trigger: the dispute funds_reinstated is about (default: the latest).
  --repeat=N               stripe trigger: deliver the same event N times [default: 1].
  --version                Print the version and exit.
  -h --help                Show this help.

`serve` prints one JSON line {{"base_url": "http://HOST:PORT", "webhook_secret": "whsec_..."}} on
stdout once it accepts requests; logs go to stderr. `stripe trigger` sends one signed Stripe event
(checkout.session.completed, checkout.session.expired, charge.refunded, charge.dispute.created,
charge.dispute.funds_reinstated) to a running server's webhook and prints what became of it.
`state`, `clock`, `faults`, `journal` and `pay` drive a running `serve --control` and print its JSON
envelope. `demo` starts a server on a free port and runs the first-run flow with the real image-skill CLI.
Both need the `[mock]` extra; without it they print an error envelope (`MOCK_EXTRA_NOT_INSTALLED`,
exit 2) instead of starting. `telemetry` prints the telemetry events a server recorded in --db as
JSON lines (one per CLI command run; the database is opened read-only); it needs no extra.
`check` recomputes every agent's credit balance and daily job counts in --db from the ledger's rows
and prints one JSON object {{"agents": N, "differences": [...]}} (read-only, no extra needed); it exits
non-zero when a kept total differs from its rows.
"""
