-- The delivery claim reads due jobs and expired leases separately, each in time order and only as far as it needs.
-- Indexes led by state give both engines that order straight from the index; the partial indexes they replace
-- were passed over for the (state, finished_at) index, which made every claim read and sort all queued jobs.
DROP INDEX delivery_jobs_due;
DROP INDEX delivery_jobs_leases;
CREATE INDEX delivery_jobs_due ON delivery_jobs (state, next_attempt_at);
CREATE INDEX delivery_jobs_leases ON delivery_jobs (state, lease_expires_at);
