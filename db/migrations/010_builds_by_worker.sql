-- 010: every claim of a build asks what the claiming worker built last for the
-- tree and matrix (the nearest-config choice). Without this index that walks
-- every run of the tree; with it, the worker's newest builds first.
CREATE INDEX builds_by_worker ON builds(worker_id, finished_at, job_id);
