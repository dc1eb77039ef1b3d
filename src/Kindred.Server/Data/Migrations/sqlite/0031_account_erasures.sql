-- Data rights (issue 14): erasure of a member's account. A request waits out the grace period
-- (Kindred:Accounts:ErasureGracePeriod; signing in or POST /api/v1/accounts/me/restore cancels it), then a durable job
-- erases posts (tombstones), withdraws reactions, ends memberships, scrubs the account and sends a Delete of the Person
-- to every server that received the member's activities. The row is kept after the erasure as the record of where the
-- Delete went (delivery_jobs by delete_activity_id); it holds the actor id and nothing else about the member.
-- state: pending, erasing, done, cancelled (checked in code). Owner: Features/DataRights.
CREATE TABLE account_erasures (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,                   -- no foreign key: the record outlives what it erased
    actor_id TEXT NOT NULL,                  -- the member's ActivityPub id (what the Delete names)
    delete_activity_id TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL,              -- 'member' or 'admin'
    requested_at TEXT NOT NULL,
    effective_at TEXT NOT NULL,              -- when the erasure starts
    started_at TEXT NULL,
    finished_at TEXT NULL,
    cancelled_at TEXT NULL
);
CREATE INDEX account_erasures_user ON account_erasures (user_id, requested_at);
CREATE INDEX account_erasures_state ON account_erasures (state, effective_at);

-- An erased account keeps its row (its name stays reserved, so nobody can take over its address) with everything
-- personal cleared; erased_at says so. Owner: Features/Accounts.
ALTER TABLE users ADD COLUMN erased_at TEXT NULL;
