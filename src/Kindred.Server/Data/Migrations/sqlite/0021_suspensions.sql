-- Suspensions (issue 12): why an admin suspended a local account and until when (NULL: until lifted). users.status
-- 'suspended' already refuses sign-in and ends every session and token; an expired suspension is lifted at the next
-- sign-in. Owner: Features/Accounts.
ALTER TABLE users ADD COLUMN suspended_reason TEXT NULL;
ALTER TABLE users ADD COLUMN suspended_until TEXT NULL;
