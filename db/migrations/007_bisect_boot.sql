-- 007: bisections of boots. Besides a new error signature, a bisection may
-- name the commit that changed a boot of one config and variant against the
-- base: a boot that newly fails, or a Soft Reserved range whose owner changed
-- (role subject: cxl -> hmem). Such a bisection has no signature, so
-- bisections.signature_id becomes nullable, and so does
-- mail_outbox.signature_id: the mail that says where a boot change was
-- bisected to is about no signature either.

-- Dropping a NOT NULL changes no stored row: the definitions are edited in
-- place, as 006 widened its CHECK lists.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'signature_id INTEGER NOT NULL REFERENCES signatures(id)',
	'signature_id INTEGER REFERENCES signatures(id)')
	WHERE type = 'table' AND name IN ('bisections', 'mail_outbox');
PRAGMA writable_schema = RESET;

ALTER TABLE bisections ADD COLUMN kind TEXT NOT NULL DEFAULT 'build' CHECK (kind IN ('build', 'boot'));
ALTER TABLE bisections ADD COLUMN variant TEXT;      -- boot: the variant booted
ALTER TABLE bisections ADD COLUMN role TEXT;         -- boot: the range whose owner changed; NULL: the boot fails
ALTER TABLE bisections ADD COLUMN before_outcome TEXT; -- boot: the base's owner (or PASS)
ALTER TABLE bisections ADD COLUMN after_outcome TEXT;  -- boot: the run's owner (or FAIL)

-- One bisection per changed boot of a run, as UNIQUE (run_id, signature_id) is for signatures.
CREATE UNIQUE INDEX bisections_boot_once ON bisections(run_id, config_id, variant, COALESCE(role, ''))
	WHERE kind = 'boot';
