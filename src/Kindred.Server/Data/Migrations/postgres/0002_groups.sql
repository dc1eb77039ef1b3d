-- Groups, membership, join requests, threads, replies and notifications.
-- PostgreSQL uses native uuid and timestamptz.
--
-- Shaped for ActivityPub (FEP-1b12) later: a group becomes a Group actor, a thread a Page, a reply a Note.
-- ap_id is the object's ActivityPub id (NULL until federation assigns one; unique when set); origin is 'local'
-- or the host a remote object came from. author_id references a local user; remote_author will hold the
-- ActivityPub actor id of a federated author (then author_id is NULL; it is also NULL once an account is erased).
-- Deletion is soft (deleted_at, content cleared) so reply threads keep their structure.

CREATE TABLE groups (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL,
    slug_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    rules TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'members')),
    join_policy TEXT NOT NULL CHECK (join_policy IN ('open', 'approval', 'invite')),
    join_question TEXT NULL,
    federation TEXT NOT NULL CHECK (federation IN ('federated', 'local')),
    ap_id TEXT NULL UNIQUE,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE group_members (
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
    -- A visible label the owner grants: peer supporter or staff. Not a permission.
    label TEXT NULL CHECK (label IN ('peer_supporter', 'staff')),
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

-- kind 'request': someone asked to join (approval groups); kind 'invite': a moderator invited someone.
CREATE TABLE join_requests (
    id UUID PRIMARY KEY,
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('request', 'invite')),
    answer TEXT NULL,
    created_by UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX join_requests_queue ON join_requests (group_id, kind, id);

CREATE TABLE threads (
    id UUID PRIMARY KEY,
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    author_id UUID NULL REFERENCES users (id) ON DELETE SET NULL,
    remote_author TEXT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    content_warning TEXT NULL,
    reply_count INTEGER NOT NULL DEFAULT 0,
    -- When someone other than the author first replied; NULL means the thread is waiting for a reply.
    answered_at TIMESTAMPTZ NULL,
    pinned_at TIMESTAMPTZ NULL,
    locked_at TIMESTAMPTZ NULL,
    ap_id TEXT NULL UNIQUE,
    origin TEXT NOT NULL DEFAULT 'local',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ NULL,
    deleted_at TIMESTAMPTZ NULL
);
CREATE INDEX threads_group ON threads (group_id, id);
CREATE INDEX threads_waiting ON threads (group_id, id) WHERE answered_at IS NULL AND deleted_at IS NULL;

CREATE TABLE replies (
    id UUID PRIMARY KEY,
    thread_id UUID NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    in_reply_to UUID NULL REFERENCES replies (id),
    -- The top-level reply this one hangs under (its own id when top-level) and its depth: one page of
    -- top-level replies loads with all their answers in one query.
    root_id UUID NOT NULL,
    depth INTEGER NOT NULL,
    author_id UUID NULL REFERENCES users (id) ON DELETE SET NULL,
    remote_author TEXT NULL,
    content TEXT NOT NULL,
    content_warning TEXT NULL,
    ap_id TEXT NULL UNIQUE,
    origin TEXT NOT NULL DEFAULT 'local',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ NULL,
    deleted_at TIMESTAMPTZ NULL
);
CREATE INDEX replies_thread ON replies (thread_id, root_id, id);

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'join_approved', 'join_declined', 'invited')),
    group_id UUID NULL REFERENCES groups (id) ON DELETE CASCADE,
    thread_id UUID NULL REFERENCES threads (id) ON DELETE CASCADE,
    reply_id UUID NULL REFERENCES replies (id) ON DELETE CASCADE,
    actor_id UUID NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
