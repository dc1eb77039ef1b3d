-- The one job queue for background work that is not the inbox or delivery hot path (remote group refresh, and later
-- mail, erasure, blocklist refresh): claimed with a lease, retried with the shared backoff, given up after max_attempts.
-- state is checked in code (Data/Jobs/JobQueue), not by a CHECK list, so new states need no table rebuild.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                  -- which handler runs it, e.g. 'remote-groups.refresh'
    payload TEXT NOT NULL DEFAULT '',    -- the handler's input (JSON or a plain id)
    dedupe_key TEXT NULL,                -- at most one queued or running job per (kind, dedupe_key)
    state TEXT NOT NULL,                 -- queued, running, done, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT NULL,               -- the node that claimed it; an expired lease is claimed again (crash safety)
    lease_expires_at TEXT NULL,
    last_error TEXT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT NULL
);
CREATE INDEX jobs_due ON jobs (next_attempt_at) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_finished ON jobs (state, finished_at);
