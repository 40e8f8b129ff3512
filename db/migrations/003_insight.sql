-- 003: matrix insight. A built-in-calls-module diagnosis per error (JSON from
-- the worker that had the tree and the build at hand).
ALTER TABLE errors ADD COLUMN diagnosis TEXT;
