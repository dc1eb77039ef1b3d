-- Data rights (issue 14): erasure of a member's account (see the SQLite file for the whole story).
-- state: pending, erasing, done, cancelled (checked in code). Owner: Features/DataRights.
CREATE TABLE account_erasures (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    actor_id TEXT NOT NULL,
    delete_activity_id TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    effective_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NULL,
    finished_at TIMESTAMPTZ NULL,
    cancelled_at TIMESTAMPTZ NULL
);
CREATE INDEX account_erasures_user ON account_erasures (user_id, requested_at);
CREATE INDEX account_erasures_state ON account_erasures (state, effective_at);

ALTER TABLE users ADD COLUMN erased_at TIMESTAMPTZ NULL;
