-- Remote groups are refreshed from their origin: on an Update(Group) from the group itself, and by a scheduled pass
-- for groups members here joined or asked to join (Kindred:Federation:RemoteGroupRefreshMinutes).
-- gone_at: the group's server answered 404/410 for its actor; its page says so (cleared when it answers again).
-- refresh_after: no attempt before this time. The scheduled pass also sets it as its lease, so several nodes on one
-- database never fetch the same group at once; after a failure it holds the back-off.
-- refresh_failures / refresh_error: consecutive failed refreshes and the last reason, for the back-off and the logs.
ALTER TABLE groups ADD COLUMN gone_at TIMESTAMPTZ NULL;
ALTER TABLE groups ADD COLUMN refresh_after TIMESTAMPTZ NULL;
ALTER TABLE groups ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN refresh_error TEXT NULL;
CREATE INDEX groups_remote_refresh ON groups (refreshed_at) WHERE origin <> 'local';
