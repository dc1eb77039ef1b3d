-- Foundation: accounts, the shared name space of users and groups, invites, instance settings, secrets.
-- SQLite stores ids as lower-case uuid text and times as fixed-width ISO-8601 UTC text (see DapperSetup).

-- Users and groups share one namespace: a fediverse address name@host names exactly one actor.
CREATE TABLE handles (
    name_normalized TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    owner_id TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    display_name TEXT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'suspended')),
    security_stamp TEXT NOT NULL,
    created_at TEXT NOT NULL,
    guidelines_version TEXT NOT NULL,
    guidelines_accepted_at TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    consent_given_at TEXT NOT NULL,
    age_confirmed_at TEXT NULL,
    registration_reason TEXT NULL,
    invite_id TEXT NULL,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NULL,
    last_sign_in_at TEXT NULL
);
CREATE INDEX users_status ON users (status, created_at);

CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    note TEXT NULL,
    revoked_at TEXT NULL
);

CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- ASP.NET Data Protection key ring, shared by every app node (cookies and antiforgery tokens stay valid across nodes).
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Instance-wide secrets generated on first start (e.g. the API token signing key).
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
