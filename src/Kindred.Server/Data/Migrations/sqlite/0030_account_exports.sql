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

-- Notifications gain the kind 'export_ready' (no group). Nothing references notifications, so the rebuild needs no
-- foreign-keys-off marker.
CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited', 'reaction', 'export_ready')),
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    thread_id TEXT NULL REFERENCES threads (id) ON DELETE CASCADE,
    reply_id TEXT NULL REFERENCES replies (id) ON DELETE CASCADE,
    actor_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    read_at TEXT NULL,
    actor_name TEXT NULL,
    source_id TEXT NULL
);
INSERT INTO notifications_new (id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id)
    SELECT id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_source ON notifications (source_id);
