-- lifecycled state, version 2: a rejection remembers the inputs it was
-- refused for (the record's SystemModstamp when the write was computed), so
-- that a refused write is tried again when the inputs change, or after
-- sync.retry_rejected_after, and not at every evaluation.
ALTER TABLE rejections ADD COLUMN based_on INTEGER NOT NULL DEFAULT -9223372036854775808;
