-- 006: bisections. A bisection names the commit of a push that introduced
-- a new error signature of a run; its steps are ordinary leased jobs of kind
-- 'bisect' (one 'walk' of the first-parent history, then one build per
-- step), so they spread over workers, are requeued when a worker dies and
-- show in the queue. A reply mail about a finished bisection is kind
-- 'bisect' in the outbox.

-- Widening a CHECK list changes no stored row, so the table definitions are
-- edited in place (SQLite's documented procedure for constraint changes)
-- instead of copying tables that other tables reference.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''configure''', 'kind IN (''configure'', ''bisect''')
	WHERE type = 'table' AND name = 'jobs';
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''report''', 'kind IN (''report'', ''bisect''')
	WHERE type = 'table' AND name = 'mail_outbox';
PRAGMA writable_schema = RESET;

CREATE TABLE bisections (
	id           INTEGER PRIMARY KEY,
	run_id       INTEGER NOT NULL REFERENCES runs(id),   -- the run whose new signature is bisected
	base_run     INTEGER NOT NULL REFERENCES runs(id),   -- its comparison base (run_facts_base())
	signature_id INTEGER NOT NULL REFERENCES signatures(id),
	config_id    INTEGER NOT NULL REFERENCES configs(id), -- the failing config every step builds
	good_commit  TEXT NOT NULL,       -- the base run's commit (or the merge-base after a rebase)
	bad_commit   TEXT NOT NULL,       -- the run's commit
	state        TEXT NOT NULL CHECK (state IN
		('walking', 'stepping', 'found', 'range', 'skipped', 'cancelled', 'error')),
	reason       TEXT,                -- why it was skipped, ended in error, or is a range
	commits      TEXT,                -- JSON [{"id","subject","author"}], oldest first, after good up to bad
	good_checked INTEGER NOT NULL DEFAULT 1, -- 0: the good end (a merge-base) is not known good yet
	first_bad    INTEGER,             -- position (1..N) of the first bad commit, or the range's last
	range_first  INTEGER,             -- a range: its first position (the first bad is one of range_first..first_bad)
	created_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	UNIQUE (run_id, signature_id)
);
CREATE INDEX bisections_by_state ON bisections(state);

-- One row per job of a bisection: the walk, then each step.
CREATE TABLE bisect_steps (
	job_id       INTEGER PRIMARY KEY REFERENCES jobs(id),
	bisection_id INTEGER NOT NULL REFERENCES bisections(id),
	op           TEXT NOT NULL CHECK (op IN ('walk', 'step')),
	position     INTEGER,             -- 0: the good end, N: the head
	commit_id    TEXT,
	verdict      TEXT CHECK (verdict IN ('good', 'bad', 'skip')),
	reason       TEXT                 -- what the build showed (the first error of a skip)
);
CREATE INDEX bisect_steps_by_bisection ON bisect_steps(bisection_id, job_id);
