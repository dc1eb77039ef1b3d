-- Supportive reactions ("I hear you"): local members react to threads and replies; remote Likes of our posts are
-- kept the same way. Stored so the author is told and can see how many people heard them, and so a reaction can be
-- taken back (Undo(Like)). No count is ever shown to anyone but the post's author (PRODUCT.md principle 4).

-- post_id: the thread or reply here the reaction is for (local id; ids are unique across both tables).
-- user_id: the local member who reacted (NULL for remote actors); erasing the account erases their reactions.
-- actor_name: how a remote reactor is named to the author ('name@host').
ALTER TABLE post_likes ADD COLUMN post_id UUID NULL;
ALTER TABLE post_likes ADD COLUMN user_id UUID NULL REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE post_likes ADD COLUMN actor_name TEXT NULL;

-- Likes stored before 0007 named only the ActivityPub id: a stored remote ap_id or one of our own URLs.
UPDATE post_likes SET post_id = COALESCE(
    (SELECT t.id FROM threads t WHERE t.ap_id = post_likes.object_id OR post_likes.object_id LIKE '%/threads/' || t.id::text),
    (SELECT r.id FROM replies r WHERE r.ap_id = post_likes.object_id OR post_likes.object_id LIKE '%/replies/' || r.id::text));

CREATE INDEX post_likes_post ON post_likes (post_id);
-- One reaction per member and post (remote actors are kept unique by (actor_id, object_id)).
CREATE UNIQUE INDEX post_likes_user_post ON post_likes (user_id, post_id);

-- Notifications gain the kind 'reaction', a name for remote actors, and source_id (the Like's activity id) so a
-- reaction taken back takes its notification with it.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited', 'reaction'));
ALTER TABLE notifications ADD COLUMN actor_name TEXT NULL;
ALTER TABLE notifications ADD COLUMN source_id TEXT NULL;
CREATE INDEX notifications_source ON notifications (source_id);
