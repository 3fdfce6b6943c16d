-- lifecycled state, version 4: success plays.
--
-- play_cursors: per play, the last history id its transitions were read
-- up to; a play added later starts at the history's end (no storm on
-- first use) unless backfilled.
-- play_outbox: one row per (play, transition, action), keyed by a
-- deterministic key that also travels with what is sent (the Task's
-- Lifecycled_Play_Key__c, the webhook's Idempotency-Key), so that an
-- ambiguous send is resolved by looking the key up, never by sending blind.
-- state: pending, sent or rejected.
CREATE TABLE play_cursors (
	play  TEXT PRIMARY KEY,
	after INTEGER NOT NULL
);
CREATE TABLE play_outbox (
	key          TEXT PRIMARY KEY,
	play         TEXT NOT NULL,
	action       TEXT NOT NULL,
	history_id   INTEGER NOT NULL,
	account_id   TEXT NOT NULL,
	transition   TEXT NOT NULL,
	payload      BLOB NOT NULL,
	state        TEXT NOT NULL DEFAULT 'pending',
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	result       TEXT NOT NULL DEFAULT '',
	code         TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
CREATE INDEX play_outbox_pending ON play_outbox (action, next_attempt) WHERE state = 'pending';
CREATE INDEX play_outbox_account ON play_outbox (account_id, history_id);
CREATE INDEX play_outbox_updated ON play_outbox (updated);
