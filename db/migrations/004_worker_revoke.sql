-- 004: worker tokens can be revoked. A revoked worker keeps its row (its jobs'
-- history points at it); its token is refused; adding a worker of the same
-- name again gives it a new token.
ALTER TABLE workers ADD COLUMN revoked_at INTEGER;
