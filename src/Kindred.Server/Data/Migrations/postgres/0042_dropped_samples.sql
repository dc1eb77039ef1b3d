-- The last few bodies of dropped activities (issue 16), so an admin can see what a server really sent: at most 3 per
-- (server, reason), at most 8 KB each, deleted after 7 days (Federation/Inbox/DroppedActivities). Admins only:
-- /admin/federation/dropped and GET /api/v1/admin/federation/dropped. Owner: Federation/Inbox.
CREATE TABLE dropped_samples (
    id UUID PRIMARY KEY,
    server TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    reason TEXT NOT NULL,
    activity_id TEXT NULL,
    body TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dropped_samples_server_reason ON dropped_samples (server, reason, received_at);
CREATE INDEX dropped_samples_received ON dropped_samples (received_at);
