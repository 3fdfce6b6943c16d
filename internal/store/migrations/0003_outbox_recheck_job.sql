-- lifecycled state, version 3: writes whose outcome must be read back.
--
-- recheck: the entry was sent (or was about to be) and its outcome is
-- unknown, because the answer was lost or the process died: the next pull
-- reads the record by Id before the entry may be sent again.
-- job: the Bulk API 2.0 ingest job that carries the entry; committed before
-- the job's data is uploaded, so that a restart polls the job instead of
-- writing the records again.
ALTER TABLE outbox ADD COLUMN recheck INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN job TEXT;
CREATE INDEX outbox_job ON outbox (job) WHERE job IS NOT NULL;
CREATE INDEX outbox_recheck ON outbox (recheck) WHERE recheck;
