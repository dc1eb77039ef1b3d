-- Moderators remove and restore posts (issue 12). A removed post keeps its words (so it can be restored and its author
-- keeps what they wrote); members see "Removed by moderators" instead, with the reason only when removal_public = 1.
-- The author always sees the reason. removed_by: the moderator's user id, or a remote moderator's actor id.
-- Owner of the columns: Features/Threads (PostStore), like the rest of threads and replies.
ALTER TABLE threads ADD COLUMN removed_at TIMESTAMPTZ NULL;
ALTER TABLE threads ADD COLUMN removed_by TEXT NULL;
ALTER TABLE threads ADD COLUMN removal_reason TEXT NULL;
ALTER TABLE threads ADD COLUMN removal_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE replies ADD COLUMN removed_at TIMESTAMPTZ NULL;
ALTER TABLE replies ADD COLUMN removed_by TEXT NULL;
ALTER TABLE replies ADD COLUMN removal_reason TEXT NULL;
ALTER TABLE replies ADD COLUMN removal_public INTEGER NOT NULL DEFAULT 0;

-- Notifications gain the moderation kinds and body (the moderator's words: a removal's reason, a warning), shown only
-- to the person notified.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited', 'reaction',
        'post_removed', 'post_restored', 'warning', 'banned', 'unbanned', 'removed_from_group'));
ALTER TABLE notifications ADD COLUMN body TEXT NULL;
