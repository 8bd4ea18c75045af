-- The mock's SQLite schema: every table, index and view. Read at start-up by store.database
-- (executescript); CREATE ... IF NOT EXISTS, so an existing database is opened as it is.
-- Identity: one row per signed-up agent (its token only as a SHA-256); preview_credits is its grant.
CREATE TABLE IF NOT EXISTS agents (
    agent_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    runtime TEXT NOT NULL,
    contact TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    preview_credits INTEGER NOT NULL,
    daily_job_limit INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- Creative work: jobs as served (job_json), the assets they hold (bytes inline) and their debits.
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    status TEXT NOT NULL,
    day TEXT NOT NULL,
    counts_toward_daily_cap INTEGER NOT NULL,
    credits_debited INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    job_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_agent_day ON jobs(agent_id, day);
CREATE TABLE IF NOT EXISTS assets (
    asset_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    job_id TEXT REFERENCES jobs(job_id),
    kind TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    extension TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    sha256 TEXT NOT NULL,
    content_length INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    bytes BLOB NOT NULL
);
-- An agent's earlier upload of the same bytes (uploads are content-addressed per agent).
CREATE INDEX IF NOT EXISTS assets_by_agent_sha256 ON assets(agent_id, sha256);
-- A job admitted but not yet run (serve --job-latency-ms): what rendering it needs, until it ends.
CREATE TABLE IF NOT EXISTS job_work (
    job_id TEXT PRIMARY KEY REFERENCES jobs(job_id),
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    running_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    work_json TEXT NOT NULL
);
-- The working copy (a PNG of at most 4096 px a side) of an upload larger than that, decoded instead.
CREATE TABLE IF NOT EXISTS asset_previews (
    asset_id TEXT PRIMARY KEY REFERENCES assets(asset_id),
    bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS usage_events (
    usage_event_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    job_id TEXT NOT NULL REFERENCES jobs(job_id),
    credits INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_events_by_agent ON usage_events(agent_id);

-- The hosted activity ledger, and every id an event can be found by.
CREATE TABLE IF NOT EXISTS activity_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    event_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS activity_refs (
    seq INTEGER NOT NULL REFERENCES activity_events(seq),
    agent_id TEXT NOT NULL,
    ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_by_agent ON activity_events(agent_id, seq);
CREATE INDEX IF NOT EXISTS activity_refs_by_agent ON activity_refs(agent_id, ref, seq);

-- Payments (the Stripe test-mode rail): quotes, attempts with their Checkout Sessions, receipts,
-- reversals (refunds, disputes), the payment-backed credit events, and each webhook event handled.
CREATE TABLE IF NOT EXISTS credit_quotes (
    quote_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    credits INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    pack_id TEXT,
    payment_method TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    UNIQUE (agent_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS payment_attempts (
    payment_attempt_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    quote_id TEXT NOT NULL REFERENCES credit_quotes(quote_id),
    idempotency_key TEXT NOT NULL,
    checkout_session_id TEXT NOT NULL UNIQUE,
    checkout_secret TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL UNIQUE,
    charge_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agent_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS payment_attempts_by_quote ON payment_attempts(quote_id);
CREATE TABLE IF NOT EXISTS receipts (
    receipt_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    quote_id TEXT NOT NULL REFERENCES credit_quotes(quote_id),
    payment_attempt_id TEXT NOT NULL UNIQUE REFERENCES payment_attempts(payment_attempt_id),
    charge_id TEXT NOT NULL UNIQUE,
    credits INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    credit_event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment_reversals (
    payment_reversal_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    receipt_id TEXT,
    quote_id TEXT,
    kind TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    credits_applied INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (kind, provider_ref)
);
CREATE INDEX IF NOT EXISTS payment_reversals_by_receipt ON payment_reversals(receipt_id);
CREATE TABLE IF NOT EXISTS credit_events (
    credit_event_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    receipt_id TEXT NOT NULL REFERENCES receipts(receipt_id),
    payment_reversal_id TEXT,
    kind TEXT NOT NULL,
    credits INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS credit_events_by_agent ON credit_events(agent_id);
CREATE INDEX IF NOT EXISTS credit_events_by_receipt ON credit_events(receipt_id);
CREATE TABLE IF NOT EXISTS stripe_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- The webhook outbox: each Stripe event the server itself causes (a paid checkout's completion),
-- written in the transaction that charges, then delivered by payments.delivery until acknowledged.
CREATE TABLE IF NOT EXISTS webhook_outbox (
    event_id TEXT PRIMARY KEY,
    payment_attempt_id TEXT NOT NULL,
    event_json TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_outbox_by_attempt ON webhook_outbox(payment_attempt_id);

-- A create/edit idempotency key per agent: pending, bound to its job, then done with its answer.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    job_id TEXT,
    response_json TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, idempotency_key)
);

-- Product feedback, unique per agent and dedupe_key.
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    dedupe_key TEXT,
    created_at TEXT NOT NULL,
    feedback_json TEXT NOT NULL,
    UNIQUE (agent_id, dedupe_key)
);

-- One telemetry event per CLI run (written on a connection of its own).
CREATE TABLE IF NOT EXISTS telemetry_events (
    trace_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    event_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS telemetry_by_seq ON telemetry_events(seq);
-- The agent each telemetry trace id belongs to: the first that used it (others' requests are ignored).
CREATE TABLE IF NOT EXISTS telemetry_owners (
    trace_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL
);

-- The credit ledger: every grant (+) and debit (-) of an agent, from the three tables that hold them.
DROP VIEW IF EXISTS credit_entries;
CREATE VIEW credit_entries (agent_id, kind, credits, payment_backed, source_id, created_at) AS
    SELECT agent_id, 'preview_grant', preview_credits, 0, agent_id, created_at FROM agents
    UNION ALL
    SELECT agent_id, 'job_debit', -credits, 0, usage_event_id, created_at FROM usage_events
    UNION ALL
    SELECT agent_id, kind, credits, 1, credit_event_id, created_at FROM credit_events;

-- Running totals of the ledger above and of each agent's jobs per UTC day that count toward its
-- cap, written in the same transaction as each entry or job (store.balances); the rows stay the
-- source of truth (`image-skill-mock check` recomputes the totals from them). A database from before
-- these tables gets its totals filled in on open (balances.backfill).
CREATE TABLE IF NOT EXISTS balances (
    agent_id TEXT PRIMARY KEY REFERENCES agents(agent_id),
    preview_granted INTEGER NOT NULL,
    payment_backed_granted INTEGER NOT NULL,
    consumed INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS daily_jobs (
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    day TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    PRIMARY KEY (agent_id, day)
) WITHOUT ROWID;

-- Where an agent discovered Image Skill (signup's self-reported, optional discovery_source).
-- A table of its own (not a column of agents) so that a database made before it opens as it is.
CREATE TABLE IF NOT EXISTS agent_discovery (
    agent_id TEXT PRIMARY KEY REFERENCES agents(agent_id),
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

-- The test harness (`serve --control`, control/): the request journal and the fault rules. Not part
-- of the state document; a full reset empties both.
CREATE TABLE IF NOT EXISTS mock_journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT,
    agent_id TEXT,
    entry_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mock_journal_by_trace ON mock_journal(trace_id, seq);
CREATE INDEX IF NOT EXISTS mock_journal_by_agent ON mock_journal(agent_id, seq);
CREATE TABLE IF NOT EXISTS mock_fault_rules (
    rule_id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id TEXT,
    fault TEXT NOT NULL,
    times INTEGER,
    probability REAL NOT NULL,
    after INTEGER NOT NULL,
    seen INTEGER NOT NULL,
    fired INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
