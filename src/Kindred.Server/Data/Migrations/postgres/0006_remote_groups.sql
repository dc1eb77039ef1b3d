-- Remote groups, local members: a group whose home is another server (FEP-1b12) that members here follow.
-- A remote group is a row in groups with slug 'name@host' (local slugs cannot contain '@', so the two never
-- clash) and origin = its host; it never takes a name in handles. Local groups keep origin 'local'.
-- created_by is the member who first joined it from here (the column is NOT NULL; nothing else reads it).
ALTER TABLE groups ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
ALTER TABLE groups ADD COLUMN inbox TEXT NULL;
ALTER TABLE groups ADD COLUMN shared_inbox TEXT NULL;
ALTER TABLE groups ADD COLUMN followers_url TEXT NULL;
ALTER TABLE groups ADD COLUMN outbox_url TEXT NULL;
ALTER TABLE groups ADD COLUMN refreshed_at TIMESTAMPTZ NULL;

-- One row per local member who follows a remote group: the Follow we sent and what the group answered.
-- 'joined' also puts the member in group_members (role member), so reading and replying work as for local groups.
CREATE TABLE remote_group_follows (
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'joined', 'rejected')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX remote_group_follows_user ON remote_group_follows (user_id, group_id);

-- How a remote author is shown ('name@host'), fixed when the post is stored: remote_author keeps the actor id.
ALTER TABLE threads ADD COLUMN remote_author_name TEXT NULL;
ALTER TABLE replies ADD COLUMN remote_author_name TEXT NULL;
