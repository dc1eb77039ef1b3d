-- Reports (issue 12): a member's (or another server's Flag) report about a post or a person. Reports about posts go to
-- the group's moderators (group_id), reports about people to the instance's admins (group_id NULL). The reporter
-- (reporter_id) is kept so one person counts once, and is never shown to the reported person or sent to their server.
-- Owner: Features/Reports (ReportStore).
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    post_id TEXT NULL,                   -- a thread's or reply's id (ids are unique across both); NULL: about a person
    subject_user_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,   -- the reported local account, or a local post's author
    subject_actor TEXT NULL,             -- the reported remote actor's id, or a remote post's author
    subject_name TEXT NOT NULL,          -- how the reported person is shown (name or name@host)
    reporter_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    origin TEXT NOT NULL DEFAULT 'local',  -- 'local', or the host whose Flag brought it
    flag_id TEXT NULL UNIQUE,            -- the inbound Flag's activity id
    reason TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolved_by TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    resolved_at TEXT NULL,
    resolution_note TEXT NULL,
    forwarded_at TEXT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reports_group ON reports (group_id, status, id);
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_post ON reports (post_id, status);
-- One open report per person and post: reporting again counts once toward the safety net.
CREATE UNIQUE INDEX reports_reporter_post ON reports (post_id, reporter_id) WHERE status = 'open' AND post_id IS NOT NULL AND reporter_id IS NOT NULL;

-- The out-of-hours safety net: enough distinct reporters hide a post until a moderator has looked at it.
ALTER TABLE threads ADD COLUMN hidden_at TEXT NULL;
ALTER TABLE replies ADD COLUMN hidden_at TEXT NULL;

-- Moderators are told of reports and when the safety net hides a post: notifications gain the kinds 'report' and
-- 'report_hidden'. From here on the kind is checked in code (Features/Notifications/NotificationKinds), not by a CHECK
-- list: every feature that adds a kind (moderation, reports, data rights, mail) would otherwise rebuild this table
-- again, and each rebuild had to repeat every earlier one. Keeps the body column added by 0016.
CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    group_id TEXT NULL REFERENCES groups (id) ON DELETE CASCADE,
    thread_id TEXT NULL REFERENCES threads (id) ON DELETE CASCADE,
    reply_id TEXT NULL REFERENCES replies (id) ON DELETE CASCADE,
    actor_id TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    read_at TEXT NULL,
    actor_name TEXT NULL,
    source_id TEXT NULL,
    body TEXT NULL
);
INSERT INTO notifications_new (id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id, body)
    SELECT id, user_id, kind, group_id, thread_id, reply_id, actor_id, created_at, read_at, actor_name, source_id, body FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_source ON notifications (source_id);
