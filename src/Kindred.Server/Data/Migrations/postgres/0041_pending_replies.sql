-- Replies from a group elsewhere whose parent we do not hold and could not fetch (issue 16): kept for a while and
-- tried again by a job (federation.pending-reply) instead of being lost, and woken at once when the parent arrives.
-- Given up after the job's last attempt (then counted in dropped_activities as 'no parent'). Counted for admins on
-- /admin/federation/dropped. Owner: Federation/Inbox.
CREATE TABLE pending_replies (
    id UUID PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,          -- the reply's id
    parent_ap_id TEXT NOT NULL,          -- what it answers
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    server TEXT NOT NULL,                -- host[:port] of the group that sent it
    activity TEXT NOT NULL,              -- the announced activity as received (within the inbox's size limit)
    authentic INTEGER NOT NULL,          -- 1 when its embedded content could be believed as received (FEP-fe34)
    received_at TIMESTAMPTZ NOT NULL,
    last_error TEXT NULL
);
CREATE INDEX pending_replies_parent ON pending_replies (parent_ap_id);
CREATE INDEX pending_replies_server ON pending_replies (server);
