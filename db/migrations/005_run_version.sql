-- 005: runs.version counts the changes of what a run's views show (its own
-- columns, its tree's URL, its jobs' states, statuses and attempts, artifacts,
-- configs and requests), so the server can tell with one row whether a
-- rendered view is still current. Lease extensions (lease_expires only) do
-- not count.
ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER runs_version_run_changed AFTER UPDATE OF state, commit_id, subject, author_name, author_email,
	message, superseded_by, started_at, finished_at ON runs
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER runs_version_tree_moved AFTER UPDATE OF url ON trees
BEGIN
	UPDATE runs SET version = version + 1 WHERE tree_id = NEW.id;
END;
CREATE TRIGGER runs_version_job_added AFTER INSERT ON jobs
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = NEW.run_id;
END;
CREATE TRIGGER runs_version_job_changed AFTER UPDATE OF state, status, attempts, finished_at, worker_id ON jobs
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = NEW.run_id;
END;
CREATE TRIGGER runs_version_artifact_added AFTER INSERT ON artifacts
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = (SELECT run_id FROM jobs WHERE id = NEW.job_id);
END;
CREATE TRIGGER runs_version_artifact_replaced AFTER UPDATE ON artifacts
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = (SELECT run_id FROM jobs WHERE id = NEW.job_id);
END;
CREATE TRIGGER runs_version_config AFTER INSERT ON configs
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = NEW.run_id;
END;
CREATE TRIGGER runs_version_request AFTER UPDATE ON requests
BEGIN
	UPDATE runs SET version = version + 1 WHERE id = NEW.run_id;
END;
