-- Reports (issue 12): a member's (or another server's Flag) report about a post or a person. Reports about posts go to
-- the group's moderators (group_id), reports about people to the instance's admins (group_id NULL). The reporter
-- (reporter_id) is kept so one person counts once, and is never shown to the reported person or sent to their server.
-- Owner: Features/Reports (ReportStore).
CREATE TABLE reports (
    id UUID PRIMARY KEY,
    group_id UUID NULL REFERENCES groups (id) ON DELETE CASCADE,
    post_id UUID NULL,                   -- a thread's or reply's id (ids are unique across both); NULL: about a person
    subject_user_id UUID NULL REFERENCES users (id) ON DELETE SET NULL,   -- the reported local account, or a local post's author
    subject_actor TEXT NULL,             -- the reported remote actor's id, or a remote post's author
    subject_name TEXT NOT NULL,          -- how the reported person is shown (name or name@host)
    reporter_id UUID NULL REFERENCES users (id) ON DELETE SET NULL,
    origin TEXT NOT NULL DEFAULT 'local',  -- 'local', or the host whose Flag brought it
    flag_id TEXT NULL UNIQUE,            -- the inbound Flag's activity id
    reason TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolved_by UUID NULL REFERENCES users (id) ON DELETE SET NULL,
    resolved_at TIMESTAMPTZ NULL,
    resolution_note TEXT NULL,
    forwarded_at TIMESTAMPTZ NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reports_group ON reports (group_id, status, id);
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_post ON reports (post_id, status);
-- One open report per person and post: reporting again counts once toward the safety net.
CREATE UNIQUE INDEX reports_reporter_post ON reports (post_id, reporter_id) WHERE status = 'open' AND post_id IS NOT NULL AND reporter_id IS NOT NULL;

-- The out-of-hours safety net: enough distinct reporters hide a post until a moderator has looked at it.
ALTER TABLE threads ADD COLUMN hidden_at TIMESTAMPTZ NULL;
ALTER TABLE replies ADD COLUMN hidden_at TIMESTAMPTZ NULL;

-- Moderators are told of reports and when the safety net hides a post: notifications gain the kinds 'report' and 'report_hidden'.
-- From here on the kind is checked in code (Features/Notifications/NotificationKinds), not by a CHECK list, so features
-- adding kinds need no migration (see the SQLite twin of this file).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
