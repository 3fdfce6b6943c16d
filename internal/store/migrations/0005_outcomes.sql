-- lifecycled state, version 5: what customers did, to check the criteria
-- against it (internal/calibration).
--
-- tracked: what the calibration recorder last saw of each account it
-- follows: the renewal date it waits on (anniversary, '' none), the start
-- and 90-day onboarding outcome it waits a year on, the first day seen in
-- a core status, and the last active users seen.
CREATE TABLE tracked (
	account_id  TEXT PRIMARY KEY,
	anniversary TEXT NOT NULL,   -- 2006-01-02, or '' when not watching a renewal
	value       REAL,            -- contract value when last seen
	paying      INTEGER NOT NULL,
	start       TEXT NOT NULL,   -- start date, '' unknown
	onboard     TEXT NOT NULL,   -- 'Good' or 'Poor' once a 90-day outcome was seen, else ''
	onboarded   TEXT NOT NULL,   -- first day seen in an onboarding status, '' never
	core_day    TEXT NOT NULL,   -- first day seen in a core status after onboarding, '' never
	active      REAL,            -- active users when last seen
	seen        TEXT NOT NULL    -- last as-of day seen
);

-- usage: an account's active users, one row a day it changed.
CREATE TABLE usage (
	account_id TEXT NOT NULL,
	day        TEXT NOT NULL,
	active     REAL,
	PRIMARY KEY (account_id, day)
);
CREATE INDEX usage_day ON usage (day);

-- outcomes: a renewal (renewed or churned at an anniversary) or an
-- onboarding (retained or lost one year after the start), with the status
-- held 120, 60 and 30 days before (NULL: not tracked then).
CREATE TABLE outcomes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id  TEXT NOT NULL,
	kind        TEXT NOT NULL,   -- 'renewal' or 'onboarding'
	anniversary TEXT NOT NULL,   -- the renewal date, or start + 1 year
	result      TEXT NOT NULL,   -- 'renewed', 'churned', 'retained', 'lost'
	decided     TEXT NOT NULL,   -- as-of day the outcome was seen
	status120   TEXT,
	status60    TEXT,
	status30    TEXT,
	onboard     TEXT NOT NULL,   -- onboarding: 'Good' or 'Poor'
	value       REAL,
	UNIQUE (account_id, kind, anniversary)
);
CREATE INDEX outcomes_kind ON outcomes (kind, decided);
CREATE INDEX history_as_of ON history (as_of);
