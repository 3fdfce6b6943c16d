-- lifecycled state, version 2: a rejection remembers the inputs it was
-- refused for (a fingerprint of the record's mapped input fields), so that
-- a refused write is tried again when the inputs change, or after
-- sync.retry_rejected_after, and not at every evaluation.
ALTER TABLE rejections ADD COLUMN inputs TEXT NOT NULL DEFAULT '';
