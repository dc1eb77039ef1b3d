-- Foundation: accounts, the shared name space of users and groups, invites, instance settings, secrets.

-- Users and groups share one namespace: a fediverse address name@host names exactly one actor.
CREATE TABLE handles (
    name_normalized TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    owner_id UUID NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    display_name TEXT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'suspended')),
    security_stamp TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    guidelines_version TEXT NOT NULL,
    guidelines_accepted_at TIMESTAMPTZ NOT NULL,
    consent_version TEXT NOT NULL,
    consent_given_at TIMESTAMPTZ NOT NULL,
    age_confirmed_at TIMESTAMPTZ NULL,
    registration_reason TEXT NULL,
    invite_id UUID NULL,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ NULL,
    last_sign_in_at TIMESTAMPTZ NULL
);
CREATE INDEX users_status ON users (status, created_at);

CREATE TABLE invites (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_by UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    note TEXT NULL,
    revoked_at TIMESTAMPTZ NULL
);

CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- ASP.NET Data Protection key ring, shared by every app node (cookies and antiforgery tokens stay valid across nodes).
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Instance-wide secrets generated on first start (e.g. the API token signing key).
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
