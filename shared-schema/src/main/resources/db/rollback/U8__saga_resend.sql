-- Undoes V8__saga_resend.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"), never by
-- Flyway; in one transaction, together with the removal of V8's row from flyway_schema_history.
--
-- Loses: how often each escrow saga command was published and when last (job_saga_commands.attempts,
--   last_sent_at). V8 applied again counts every command as sent once, at sent_at, so the resend limit starts over.
--   Escrows already marked STUCK stay STUCK (jobs.escrow_status is V5's).

alter table job_saga_commands
    drop column last_sent_at,
    drop column attempts;
