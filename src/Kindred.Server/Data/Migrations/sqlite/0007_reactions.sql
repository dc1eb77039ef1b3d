-- Supportive reactions ("I hear you"): local members react to threads and replies; remote Likes of our posts are
-- kept the same way. Stored so the author is told and can see how many people heard them, and so a reaction can be
-- taken back (Undo(Like)). No count is ever shown to anyone but the post's author (PRODUCT.md principle 4).

-- post_id: the thread or reply here the reaction is for (local id; ids are unique across both tables).
-- user_id: the local member who reacted (NULL for remote actors); erasing the account erases their reactions.
-- actor_name: how a remote reactor is named to the author ('name@host').
ALTER TABLE post_likes ADD COLUMN post_id TEXT NULL;
ALTER TABLE post_likes ADD COLUMN user_id TEXT NULL REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE post_likes ADD COLUMN actor_name TEXT NULL;

-- Likes stored before 0007 named only the ActivityPub id: a stored remote ap_id or one of our own URLs.
UPDATE post_likes SET post_id = COALESCE(
    (SELECT t.id FROM threads t WHERE t.ap_id = post_likes.object_id OR post_likes.object_id LIKE '%/threads/' || t.id),
    (SELECT r.id FROM replies r WHERE r.ap_id = post_likes.object_id OR post_likes.object_id LIKE '%/replies/' || r.id));

CREATE INDEX post_likes_post ON post_likes (post_id);
-- One reaction per member and post (remote actors are kept unique by (actor_id, object_id)).
CREATE UNIQUE INDEX post_likes_user_post ON post_likes (user_id, post_id);

-- Notifications gain the kind 'reaction', a name for remote actors, and source_id (the Like's activity id) so a
-- reaction taken back takes its notification with it. SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited', 'reaction')),
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    thread_id TEXT NULL REFERENCES threads (id) ON DELETE CASCADE,
    reply_id TEXT NULL REFERENCES replies (id) ON DELETE CASCADE,
    actor_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    read_at TEXT NULL,
    actor_name TEXT NULL,
    source_id TEXT NULL
);
INSERT INTO notifications_new (id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at)
    SELECT id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_source ON notifications (source_id);
