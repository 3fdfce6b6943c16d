-- lifecycled state, version 1.
--
-- Times are INTEGER unix nanoseconds (UTC). The zero time.Time is stored as
-- -9223372036854775808 (the smallest INTEGER), so it sorts before every other
-- instant as it does in Go. Nullable text columns map to *string: NULL is nil,
-- '' is a set but empty value.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE accounts (
	id             TEXT PRIMARY KEY,
	record         BLOB,             -- the record as last pulled, JSON
	modstamp       INTEGER NOT NULL, -- its SystemModstamp
	crm_tags       TEXT,
	crm_status     TEXT,
	desired_tags   TEXT,
	desired_status TEXT,
	managed_tags   TEXT NOT NULL,    -- JSON array, or 'null'
	as_of          TEXT NOT NULL,
	rules_version  TEXT NOT NULL,
	seen_pull      INTEGER NOT NULL
);
CREATE INDEX accounts_seen_pull ON accounts (seen_pull);
CREATE INDEX accounts_desired_status ON accounts (desired_status);

CREATE TABLE outbox (
	account_id   TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	tags         TEXT,
	status       TEXT,
	write_tags   INTEGER NOT NULL,
	write_status INTEGER NOT NULL,
	based_on     INTEGER NOT NULL,
	attempts     INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	next_attempt INTEGER NOT NULL,
	created      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt, account_id);

-- No foreign key: a rejection may be recorded for an account the store has
-- not kept (bad input); Forget deletes an account's rejections itself.
CREATE TABLE rejections (
	account_id TEXT NOT NULL,
	field      TEXT NOT NULL,
	code       TEXT NOT NULL,
	message    TEXT NOT NULL,
	tags       TEXT,
	status     TEXT,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (account_id, field)
);
CREATE INDEX rejections_last_seen ON rejections (last_seen);

CREATE TABLE runs (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	kind      TEXT NOT NULL,
	started   INTEGER NOT NULL,
	ended     INTEGER NOT NULL,
	as_of     TEXT NOT NULL,
	pulled    INTEGER NOT NULL,
	computed  INTEGER NOT NULL,
	changed   INTEGER NOT NULL,
	written   INTEGER NOT NULL,
	failed    INTEGER NOT NULL,
	rejected  INTEGER NOT NULL,
	drift     INTEGER NOT NULL,
	deleted   INTEGER NOT NULL,
	api_calls INTEGER NOT NULL,
	outcome   TEXT NOT NULL,
	error     TEXT NOT NULL
);
CREATE INDEX runs_outcome ON runs (outcome, id);

-- History outlives the account (Forget keeps it): no foreign key.
CREATE TABLE history (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id TEXT NOT NULL,
	kind       TEXT NOT NULL,
	from_value TEXT,
	to_value   TEXT,
	at         INTEGER NOT NULL,
	as_of      TEXT NOT NULL,
	inputs     BLOB
);
CREATE INDEX history_account ON history (account_id, at, id);

CREATE TABLE snapshots (
	day    TEXT PRIMARY KEY, -- 2006-01-02
	counts TEXT NOT NULL     -- JSON object: status value -> accounts
);
