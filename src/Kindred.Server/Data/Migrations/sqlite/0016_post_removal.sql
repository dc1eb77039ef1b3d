-- Moderators remove and restore posts (issue 12). A removed post keeps its words (so it can be restored and its author
-- keeps what they wrote); members see "Removed by moderators" instead, with the reason only when removal_public = 1.
-- The author always sees the reason. removed_by: the moderator's user id, or a remote moderator's actor id.
-- Owner of the columns: Features/Threads (PostStore), like the rest of threads and replies.
ALTER TABLE threads ADD COLUMN removed_at TEXT NULL;
ALTER TABLE threads ADD COLUMN removed_by TEXT NULL;
ALTER TABLE threads ADD COLUMN removal_reason TEXT NULL;
ALTER TABLE threads ADD COLUMN removal_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE replies ADD COLUMN removed_at TEXT NULL;
ALTER TABLE replies ADD COLUMN removed_by TEXT NULL;
ALTER TABLE replies ADD COLUMN removal_reason TEXT NULL;
ALTER TABLE replies ADD COLUMN removal_public INTEGER NOT NULL DEFAULT 0;

-- Notifications gain the moderation kinds and body (the moderator's words: a removal's reason, a warning), shown only
-- to the person notified. SQLite cannot change a CHECK constraint, so the table is rebuilt (nothing references it).
CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited', 'reaction',
        'post_removed', 'post_restored', 'warning', 'banned', 'unbanned', 'removed_from_group')),
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    thread_id TEXT NULL REFERENCES threads (id) ON DELETE CASCADE,
    reply_id TEXT NULL REFERENCES replies (id) ON DELETE CASCADE,
    actor_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    read_at TEXT NULL,
    actor_name TEXT NULL,
    source_id TEXT NULL,
    body TEXT NULL
);
INSERT INTO notifications_new (id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id)
    SELECT id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_source ON notifications (source_id);
