-- ActivityPub core: local actor keys, remote actor/key cache, the durable inbox, followers of local actors,
-- and the outbox rows the delivery worker sends. Ids are lower-case uuid text, times fixed-width ISO-8601 UTC text.

-- Keys of local actors (users, groups, the instance actor). private_key_protected is PKCS#8 encrypted with
-- ASP.NET Data Protection (purpose Kindred.ActorKeys.v1), base64. See docs/adr/0002-actor-key-storage.md.
CREATE TABLE actor_keys (
    actor_id TEXT NOT NULL,
    key_type TEXT NOT NULL CHECK (key_type IN ('rsa', 'ed25519')),
    key_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    private_key_protected TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, key_type)
);

-- Remote actors we fetched (Resolution/). Refetched after expires_at; gone_at marks actors that answered 404/410.
CREATE TABLE remote_actors (
    id TEXT PRIMARY KEY,
    actor_type TEXT NOT NULL,
    preferred_username TEXT NULL,
    inbox TEXT NULL,
    shared_inbox TEXT NULL,
    document TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    gone_at TEXT NULL
);

-- Public keys of remote actors, by key id (publicKey / assertionMethod entries).
CREATE TABLE remote_keys (
    key_id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pem', 'multibase')),
    public_key TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX remote_keys_actor ON remote_keys (actor_id);

-- Every verified inbox POST, stored raw before anything else happens (Inbox/). One row per activity id.
CREATE TABLE inbox_activities (
    id TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL UNIQUE,
    actor_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    object_type TEXT NULL,
    inbox TEXT NOT NULL,
    key_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT NULL,
    last_error TEXT NULL,
    processed_at TEXT NULL
);
CREATE INDEX inbox_activities_due ON inbox_activities (status, next_attempt_at);

-- Remote actors following a local actor (user or group).
CREATE TABLE remote_followers (
    local_actor_id TEXT NOT NULL,
    follower_id TEXT NOT NULL,
    follow_activity_id TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (local_actor_id, follower_id)
);

