-- Data rights (issue 14): a member's export of everything they wrote, built in the background on the job queue.
-- One row per request; the ZIP is kept in the database (so every node can serve it) until expires_at, then deleted.
-- state: queued, building, ready, failed, expired (checked in code, Features/DataRights/AccountExports).
-- Owner: Features/DataRights.
CREATE TABLE account_exports (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    ready_at TIMESTAMPTZ NULL,
    expires_at TIMESTAMPTZ NULL,
    size_bytes BIGINT NULL,
    content BYTEA NULL,
    error TEXT NULL
);
CREATE INDEX account_exports_user ON account_exports (user_id, requested_at);
CREATE INDEX account_exports_expiry ON account_exports (expires_at) WHERE content IS NOT NULL;

-- Notifications gain the kind 'export_ready' (no group): kinds are checked in code since 0020, so nothing changes here.
