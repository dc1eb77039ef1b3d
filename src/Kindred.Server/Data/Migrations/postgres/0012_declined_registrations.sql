-- Declined registrations are deleted (nothing about people who never became members is kept), but the applicant
-- should hear that they were declined rather than that their password is wrong. So the name and password hash alone
-- are kept for a while: only someone who signs in with that name and its password learns that it was declined;
-- anyone else sees the answer an unknown name gets. Rows go when the name registers again and after 30 days.
CREATE TABLE declined_registrations (
    username_normalized TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    declined_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX declined_registrations_declined_at ON declined_registrations (declined_at);
