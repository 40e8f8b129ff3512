-- 002: push triggers, the report mail outbox and polling state. Times are
-- Unix seconds (UTC).

-- What the push that made a run said (webhook, post-receive hook or poll).
-- The commit author the mails go to is runs.author_email, read from the
-- commit by the configure job; the payload's addresses are kept here.
CREATE TABLE run_triggers (
	run_id        INTEGER PRIMARY KEY REFERENCES runs(id),
	source        TEXT NOT NULL,      -- github, gitlab, gitea, plain, poll
	delivery      TEXT,               -- the forge's delivery id, for tracing
	before_commit TEXT,               -- NULL for a new ref
	after_commit  TEXT NOT NULL,
	created       INTEGER NOT NULL DEFAULT 0, -- a new branch or tag
	base_ref      TEXT,               -- what a new branch is compared with
	pusher_email  TEXT,
	author_email  TEXT,               -- the head commit's author as the payload says
	author_name   TEXT,
	received_at   INTEGER NOT NULL
);

-- Finished runs the notifier must look at. Normally composed in the
-- transaction that finishes the run; kept pending (and retried) otherwise.
CREATE TABLE notify_runs (
	run_id       INTEGER PRIMARY KEY REFERENCES runs(id),
	state        TEXT NOT NULL CHECK (state IN ('pending', 'done')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT,
	mails        INTEGER NOT NULL DEFAULT 0, -- messages it queued
	updated_at   INTEGER NOT NULL
);
CREATE INDEX notify_runs_due ON notify_runs(state, next_attempt);

-- The outbox: a message is composed once and kept; sending changes only
-- its state. message_id is what makes a report impossible to send twice.
CREATE TABLE mail_outbox (
	id           INTEGER PRIMARY KEY,
	message_id   TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL CHECK (kind IN ('report', 'fixed')),
	run_id       INTEGER NOT NULL REFERENCES runs(id),
	tree_id      INTEGER NOT NULL REFERENCES trees(id),
	ref          TEXT NOT NULL,
	commit_id    TEXT,
	signature_id INTEGER NOT NULL REFERENCES signatures(id),
	in_reply_to  TEXT,                -- a "fixed" notice: the report's message id
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,
	headers      TEXT NOT NULL,       -- JSON array of "X-Kmatrix-Name: value"
	state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0, -- failed deliveries
	next_attempt INTEGER NOT NULL,
	last_error   TEXT,
	created_at   INTEGER NOT NULL,
	sent_at      INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt);
CREATE INDEX mail_outbox_by_signature ON mail_outbox(tree_id, signature_id, kind);
CREATE INDEX mail_outbox_by_run ON mail_outbox(run_id);
CREATE INDEX mail_outbox_by_reply ON mail_outbox(in_reply_to);

-- Each recipient of a message is delivered (and rate limited) on its own.
CREATE TABLE mail_recipients (
	outbox_id INTEGER NOT NULL REFERENCES mail_outbox(id),
	address   TEXT NOT NULL,          -- bare and lower case: the key of de-duplication and rate limit
	mailbox   TEXT NOT NULL,          -- as it appears in To: ("Jane Doe <jane@example.org>")
	state     TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
	sent_at   INTEGER,
	PRIMARY KEY (outbox_id, address)
);
CREATE INDEX mail_recipients_rate ON mail_recipients(address, sent_at);

-- Polling: the URL a tree was last polled at, and what each ref pointed to.
CREATE TABLE poll_trees (
	tree_id    INTEGER PRIMARY KEY REFERENCES trees(id),
	url        TEXT NOT NULL,
	last_poll  INTEGER,
	last_error TEXT
);
CREATE TABLE poll_refs (
	tree_id   INTEGER NOT NULL REFERENCES trees(id),
	ref       TEXT NOT NULL,
	commit_id TEXT NOT NULL,
	seen_at   INTEGER NOT NULL,
	PRIMARY KEY (tree_id, ref)
);
