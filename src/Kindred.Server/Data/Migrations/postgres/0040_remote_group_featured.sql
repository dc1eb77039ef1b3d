-- A remote group's featured (pinned posts) collection, as its Group actor names it (Lemmy's `featured`), kept beside
-- outbox_url so the backfill of its recent threads (issue 11.9) reads both without fetching the group again.
ALTER TABLE groups ADD COLUMN featured_url TEXT NULL;
