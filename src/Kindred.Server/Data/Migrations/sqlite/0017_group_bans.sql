-- Bans from a group (issue 12): a banned person cannot post, react or rejoin until the ban is lifted or expires. One of
-- user_id (someone here) or actor_id (someone on another server) is set. name is how they were shown (name or
-- name@host). Owner: Features/Moderation (GroupBans).
CREATE TABLE group_bans (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id TEXT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id TEXT NULL,
    name TEXT NOT NULL,
    reason TEXT NULL,
    expires_at TEXT NULL,
    remove_content INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (actor_id IS NULL))
);
CREATE UNIQUE INDEX group_bans_user ON group_bans (group_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX group_bans_actor ON group_bans (group_id, actor_id) WHERE actor_id IS NOT NULL;
