-- Outgoing ActivityPub delivery: one job per activity per (shared) inbox, written in the caller's transaction and
-- sent by the delivery worker; plus per-instance health for the circuit breaker.
-- SQLite stores ids as lower-case uuid text and times as fixed-width ISO-8601 UTC text (see DapperSetup).

CREATE TABLE delivery_jobs (
    id TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,              -- the actor whose key signs the request
    inbox_url TEXT NOT NULL,
    target_host TEXT NOT NULL,           -- host[:port] of inbox_url, the unit of concurrency and of the breaker
    body TEXT NOT NULL,                  -- the exact JSON sent (UTF-8)
    state TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'delivered', 'failed', 'gave_up')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    give_up_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT NULL,
    last_status INTEGER NULL,
    last_error TEXT NULL,
    lease_owner TEXT NULL,               -- worker that claimed the job; a lease that expires is reclaimed (crash safety)
    lease_expires_at TEXT NULL,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX delivery_jobs_due ON delivery_jobs (next_attempt_at) WHERE state = 'queued';
CREATE INDEX delivery_jobs_leases ON delivery_jobs (lease_expires_at) WHERE state = 'in_flight';
CREATE INDEX delivery_jobs_host ON delivery_jobs (target_host, state);
CREATE INDEX delivery_jobs_finished ON delivery_jobs (state, finished_at);

CREATE TABLE delivery_hosts (
    host TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
    paused_until TEXT NULL,              -- breaker cool-down, a probe's lease, or a 429 Retry-After
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_success_at TEXT NULL,
    last_failure_at TEXT NULL,
    last_error TEXT NULL
);
