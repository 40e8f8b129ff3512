-- 009: the hits of a build that ccache's remote storage served (--ccache-remote),
-- which workers have always reported: now kept beside the local hits and misses.
ALTER TABLE builds ADD COLUMN ccache_remote_hits INTEGER;
