-- Escrow saga resends: a step sent without an outcome after a while is published again (same command id, so the
-- ledger's inbox still applies it once), and after too many resends its job's escrow is marked STUCK.
--
-- Cheap on a large table: a constant default and a nullable column are catalog changes in PostgreSQL 11+
-- (no rewrite, no scan). Rows sent before this migration count as sent once, at sent_at.
--
-- Rollback:
--   alter table job_saga_commands drop column attempts, drop column last_sent_at;

-- how often the command was published
alter table job_saga_commands add column attempts int not null default 1;
-- the last publication (null: only the first, at sent_at)
alter table job_saga_commands add column last_sent_at timestamptz;
