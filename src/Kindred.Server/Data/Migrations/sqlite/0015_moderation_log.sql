-- The moderation log (issue 12): every moderator and admin action, with who, when, why and what. One row per action,
-- never updated. group_id is the group it happened in (NULL: instance-wide, e.g. an account suspended by an admin).
-- The moderator is a local user (moderator_id) or a remote actor (remote_actor, e.g. a Lemmy moderator of a group
-- hosted elsewhere), with moderator_name as it was shown then. Members read a group's log without moderator names.
-- Owner: Features/Moderation (ModerationLog).
CREATE TABLE moderation_log (
    id TEXT PRIMARY KEY,
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    moderator_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    remote_actor TEXT NULL,              -- the remote moderator's actor id
    moderator_name TEXT NULL,            -- name@host of a remote moderator; local names are read from users
    action TEXT NOT NULL,                -- ModerationActions, e.g. 'post.removed', 'member.banned'
    target_kind TEXT NOT NULL,           -- 'post', 'member', 'thread', 'account', 'report', 'group'
    target_id TEXT NULL,                 -- the target's id (a post id, a user id, an actor id)
    target_label TEXT NULL,              -- what to show: a thread's title, a member's name@host
    reason TEXT NULL,
    expires_at TEXT NULL,                -- a ban's or suspension's end
    details TEXT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX moderation_log_group ON moderation_log (group_id, id);
