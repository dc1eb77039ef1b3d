-- Sign-in throttling by account AND address (issue 18, item 6): a stranger's wrong passwords pause only their own
-- address for that account, and the owner can always sign in from an address they signed in from before.
-- address_key is an HMAC (instance secret) of the client's IPv4 address or IPv6 /64: enough to recognise the same
-- address again, not to read it back. Rows with no success are pruned after a day; at most 10 known addresses are kept.
CREATE TABLE sign_in_addresses (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address_key TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NULL,
    last_failure_at TEXT NULL,
    succeeded_at TEXT NULL,
    PRIMARY KEY (user_id, address_key)
);

-- The account-wide count of wrong passwords restarts when the last one is older than the lockout.
ALTER TABLE users ADD COLUMN last_failed_sign_in_at TEXT NULL;
