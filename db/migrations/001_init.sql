-- 001: the initial schema. Times are Unix seconds (UTC). Statuses use the
-- KCIDB vocabulary: PASS FAIL ERROR MISS SKIP.

CREATE TABLE trees (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	url         TEXT NOT NULL,
	secret      TEXT,                 -- webhook shared secret, NULL: webhooks refused
	poll_branches TEXT,               -- space-separated branches to poll, NULL: no polling
	created_at  INTEGER NOT NULL
);

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	tree_id       INTEGER NOT NULL REFERENCES trees(id),
	ref           TEXT NOT NULL,      -- refs/heads/x, or the commit id when submitted by commit
	commit_id     TEXT,               -- resolved by the configure job when not given
	base_commit   TEXT,
	subject       TEXT,
	author_name   TEXT,
	author_email  TEXT,
	pusher_email  TEXT,
	matrix_name   TEXT NOT NULL,
	matrix_bundle TEXT NOT NULL,      -- JSON snapshot of the matrix and its files
	trigger       TEXT NOT NULL,      -- api, webhook, hook, poll
	state         TEXT NOT NULL CHECK (state IN
		('queued', 'configuring', 'building', 'booting', 'done', 'error', 'superseded', 'cancelled')),
	message       TEXT,               -- why the run ended in error, if it did
	superseded_by INTEGER REFERENCES runs(id),
	created_at    INTEGER NOT NULL,
	started_at    INTEGER,
	finished_at   INTEGER
);
CREATE INDEX runs_by_ref ON runs(tree_id, ref, id);

-- Distinct resolved configurations of a run.
CREATE TABLE configs (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs(id),
	hash        TEXT NOT NULL,        -- sha256 of the normalized .config
	point       TEXT NOT NULL,        -- effective axis values, one char per axis
	effective   TEXT NOT NULL,        -- JSON {"SYM":"v"} of the axis symbols
	config_text TEXT NOT NULL,        -- the normalized full .config
	UNIQUE (run_id, hash)
);

-- One per matrix point.
CREATE TABLE requests (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL REFERENCES runs(id),
	idx        INTEGER NOT NULL,      -- position in expansion order
	point      TEXT NOT NULL,         -- requested axis values, one char per axis
	config_id  INTEGER REFERENCES configs(id),
	clamped    INTEGER NOT NULL DEFAULT 0,
	clamp_diff TEXT,                  -- JSON [{"symbol","requested","effective"}]
	UNIQUE (run_id, idx)
);
CREATE INDEX requests_by_config ON requests(config_id);

CREATE TABLE workers (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	token_hash TEXT NOT NULL UNIQUE,  -- sha256 of the bearer token
	hostname   TEXT,
	version    TEXT,
	cores      INTEGER,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER
);

CREATE TABLE jobs (
	id            INTEGER PRIMARY KEY,
	run_id        INTEGER NOT NULL REFERENCES runs(id),
	kind          TEXT NOT NULL CHECK (kind IN ('configure', 'build', 'boot')),
	config_id     INTEGER REFERENCES configs(id),
	variant       TEXT,               -- boot variant
	state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'cancelled')),
	status        TEXT CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP')),
	message       TEXT,
	lease_id      TEXT,
	worker_id     INTEGER REFERENCES workers(id),
	lease_expires INTEGER,
	attempts      INTEGER NOT NULL DEFAULT 0,
	max_attempts  INTEGER NOT NULL DEFAULT 3,
	result_lease  TEXT,               -- the lease whose result was recorded: repeats are no-ops
	created_at    INTEGER NOT NULL,
	started_at    INTEGER,
	finished_at   INTEGER
);
CREATE INDEX jobs_queue ON jobs(state, kind, id);
CREATE INDEX jobs_by_run ON jobs(run_id, kind);
CREATE INDEX jobs_by_config ON jobs(config_id);

CREATE TABLE builds (
	job_id        INTEGER PRIMARY KEY REFERENCES jobs(id),
	config_id     INTEGER NOT NULL REFERENCES configs(id),
	worker_id     INTEGER REFERENCES workers(id),
	status        TEXT NOT NULL,
	message       TEXT,
	wall_s        REAL,
	cpu_s         REAL,
	ccache_hits   INTEGER,
	ccache_misses INTEGER,
	warnings      INTEGER,
	log_lines     INTEGER,
	make_cmd      TEXT,
	finished_at   INTEGER NOT NULL
);
CREATE INDEX builds_by_config ON builds(config_id);

CREATE TABLE boots (
	job_id      INTEGER PRIMARY KEY REFERENCES jobs(id),
	config_id   INTEGER NOT NULL REFERENCES configs(id),
	variant     TEXT NOT NULL,
	status      TEXT NOT NULL,
	message     TEXT,
	wall_s      REAL,
	warnings    INTEGER,
	details     TEXT,                 -- JSON from the console parser
	finished_at INTEGER NOT NULL
);
CREATE INDEX boots_by_config ON boots(config_id);

CREATE TABLE ownership (
	boot_job_id INTEGER NOT NULL REFERENCES jobs(id),
	range_text  TEXT NOT NULL,
	role        TEXT NOT NULL,        -- subject or control
	owner       TEXT NOT NULL,        -- hmem, cxl or none
	evidence    TEXT,
	PRIMARY KEY (boot_job_id, range_text)
);

-- One row per distinct error, across runs.
CREATE TABLE signatures (
	id         INTEGER PRIMARY KEY,
	signature  TEXT NOT NULL UNIQUE,
	type       TEXT NOT NULL,
	symbol     TEXT,
	file       TEXT,
	message    TEXT NOT NULL,
	first_seen INTEGER NOT NULL
);

CREATE TABLE errors (
	id           INTEGER PRIMARY KEY,
	job_id       INTEGER NOT NULL REFERENCES jobs(id),
	signature_id INTEGER NOT NULL REFERENCES signatures(id),
	count        INTEGER NOT NULL DEFAULT 1,
	line_no      INTEGER,
	first_lines  TEXT,
	secondary    INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, signature_id)
);
CREATE INDEX errors_by_signature ON errors(signature_id);

-- Files kept on disk under the data directory; the path is relative to it.
CREATE TABLE artifacts (
	id         INTEGER PRIMARY KEY,
	job_id     INTEGER NOT NULL REFERENCES jobs(id),
	name       TEXT NOT NULL,
	path       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (job_id, name)
);
