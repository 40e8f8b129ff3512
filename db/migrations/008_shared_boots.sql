-- 008: boots shared between variants. Two variants of one config whose boots
-- would be the same experiment (the same kernel and modules, the same modules
-- loaded in the same order by the same modprobe, as many times) are booted
-- once: the second variant's job waits for the first one's (same_boot_as) and
-- is recorded from its result, with its own expectations. A job whose boot it
-- waits for ends without a result: the wait is dropped and it boots itself.
ALTER TABLE jobs ADD COLUMN same_boot_as INTEGER REFERENCES jobs(id);
CREATE INDEX jobs_same_boot ON jobs(same_boot_as) WHERE same_boot_as IS NOT NULL;
