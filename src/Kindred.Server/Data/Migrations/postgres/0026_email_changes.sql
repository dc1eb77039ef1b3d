-- A changed e-mail address is only used once confirmed (issue 15): the new address waits here, with the SHA-256 hash of
-- the link's token and the account's security stamp (a password change cancels it), one per account, for a day.
CREATE TABLE email_changes (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    new_email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    security_stamp TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
