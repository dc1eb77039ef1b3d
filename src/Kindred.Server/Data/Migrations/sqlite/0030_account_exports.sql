-- Data rights (issue 14): a member's export of everything they wrote, built in the background on the job queue.
-- One row per request; the ZIP is kept in the database (so every node can serve it) until expires_at, then deleted.
-- state: queued, building, ready, failed, expired (checked in code, Features/DataRights/AccountExports).
-- Owner: Features/DataRights.
CREATE TABLE account_exports (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,      -- percent, shown while it is built
    requested_by TEXT NOT NULL,               -- 'member' or 'admin'
    requested_at TEXT NOT NULL,
    ready_at TEXT NULL,
    expires_at TEXT NULL,                     -- the download link works until then
    size_bytes INTEGER NULL,
    content BLOB NULL,                        -- the ZIP; cleared when it expires
    error TEXT NULL
);
CREATE INDEX account_exports_user ON account_exports (user_id, requested_at);
CREATE INDEX account_exports_expiry ON account_exports (expires_at) WHERE content IS NOT NULL;

-- Notifications gain the kind 'export_ready' (no group): kinds are checked in code since 0020, so nothing changes here.

