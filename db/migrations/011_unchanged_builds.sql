-- 011: a build of a config whose earlier passing build on the same worker
-- read none of the files changed since (the next push did not touch what
-- this config compiles: the same objects, a new version string) names that
-- build. Its boots are taken from the
-- earlier build's boots, each boot job then pointing at the job that booted
-- (jobs.same_boot_as, which may now be a job of an earlier run).
ALTER TABLE builds ADD COLUMN unchanged_since INTEGER REFERENCES jobs(id);
