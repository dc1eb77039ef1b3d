-- Group federation, "we are the group's home" (FEP-1b12). See docs/federation.md.
-- PostgreSQL uses native uuid and timestamptz.

-- Remote actors in a local group. group_members keeps its foreign key to local users; a remote member is an
-- ActivityPub actor that followed the group's Group actor, so it gets its own table rather than a nullable column
-- that every local-membership query would have to remember. state: 'pending' (approval groups: waiting in the
-- moderators' join queue), 'invited' (a moderator invited the actor; its Follow is accepted), 'member'.
-- inbox/shared_inbox come from the actor's own document; the group's posts are delivered there.
CREATE TABLE remote_members (
    id UUID PRIMARY KEY,
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'invited', 'member')),
    follow_activity_id TEXT NULL,
    inbox TEXT NULL,
    shared_inbox TEXT NULL,
    name TEXT NULL,                      -- display name or handle, for the join queue
    profile_url TEXT NULL,               -- the actor's profile page (url), else its id
    created_at TIMESTAMPTZ NOT NULL,
    joined_at TIMESTAMPTZ NULL,
    UNIQUE (group_id, actor_id)
);
CREATE INDEX remote_members_actor ON remote_members (actor_id);
CREATE INDEX remote_members_queue ON remote_members (group_id, state, id);

-- Likes of a group's threads and replies by remote actors. Stored only so Undo(Like) can find them and so the
-- group can Announce them; no score is ever shown (PRODUCT.md: being heard, not engagement).
CREATE TABLE post_likes (
    activity_id TEXT PRIMARY KEY,
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL,
    object_id TEXT NOT NULL,             -- the liked object's ActivityPub id
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (actor_id, object_id)
);

-- What a group has announced, newest last: its outbox collection. object_id lets a Delete erase every earlier
-- activity that carried the deleted words.
CREATE TABLE group_activities (
    id UUID PRIMARY KEY,
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    activity_id TEXT NOT NULL UNIQUE,
    object_id TEXT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX group_activities_group ON group_activities (group_id, id);
CREATE INDEX group_activities_object ON group_activities (object_id);
