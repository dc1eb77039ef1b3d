-- Each member may choose the time zone pages show times in (an IANA name); NULL means the instance's.
ALTER TABLE users ADD COLUMN time_zone TEXT NULL;
