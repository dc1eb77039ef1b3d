-- A trace for every activity the inbox worker ignores (issue 16): counted by the server that sent it, the activity
-- and object type (e.g. 'Create(Event)') and the reason (see Federation/Inbox/DroppedActivities.Reasons). One row per
-- (server, activity_type, reason), so a hostile or chatty server grows a count, not the table. Shown to admins at
-- /admin/federation/dropped and GET /api/v1/admin/federation/dropped. Owner: Federation/Inbox.
CREATE TABLE dropped_activities (
    server TEXT NOT NULL,                -- host[:port] of the actor that sent it
    activity_type TEXT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    last_activity_id TEXT NULL,          -- the id of the latest one, so an admin can look it up in inbox_activities
    PRIMARY KEY (server, activity_type, reason)
);
CREATE INDEX dropped_activities_last ON dropped_activities (last_at);
