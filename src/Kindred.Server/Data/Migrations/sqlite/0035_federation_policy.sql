-- Federation policy (issue 13): the instance's mode, domain blocks and allows, and a log of every change.
-- Owner: Federation/Policy. `version` goes up with every change in the same transaction, so every app node sees a
-- change by reading one integer (FederationPolicy checks it at most every few seconds; the node that made the change
-- recompiles at once).
CREATE TABLE federation_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    mode TEXT NOT NULL DEFAULT 'blocklist' CHECK (mode IN ('blocklist', 'allowlist')),
    version BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NULL
);
INSERT INTO federation_policy (id, mode, version) VALUES (1, 'blocklist', 0);

-- domain: lower-case punycode host name (covers its subdomains too), '*.suffix' (only names under suffix), or an IP
-- literal (exactly that address). Ports are ignored: a block covers every port of the host.
CREATE TABLE domain_blocks (
    id TEXT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL CHECK (severity IN ('suspend', 'silence', 'noop')),
    reject_media INTEGER NOT NULL DEFAULT 0,
    reject_reports INTEGER NOT NULL DEFAULT 0,
    obfuscate INTEGER NOT NULL DEFAULT 0,
    public_comment TEXT NOT NULL DEFAULT '',
    private_comment TEXT NOT NULL DEFAULT '',
    expires_at TEXT NULL,                -- the block lifts by itself at this time
    source TEXT NOT NULL DEFAULT 'local',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE domain_allows (
    id TEXT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    public_comment TEXT NOT NULL DEFAULT '',
    private_comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'local',
    created_at TEXT NOT NULL
);

-- Who changed what, and when (admin pages, API, CLI, imports).
CREATE TABLE federation_policy_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,                 -- the admin's username, 'cli' or 'expiry'
    action TEXT NOT NULL,                -- e.g. 'block.add', 'block.update', 'block.remove', 'allow.add', 'mode'
    domain TEXT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX federation_policy_log_at ON federation_policy_log (at);
