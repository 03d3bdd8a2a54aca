-- Undoes V4__audit_log.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"), never by
-- Flyway; in one transaction, together with the removal of V4's row from flyway_schema_history.
--
-- Loses: the whole audit trail (audit_log and its chain head audit_chain_head) and the CDC heartbeat row
--   (cdc_heartbeat). Export the audit log first (and verify it) if it must be kept: V4 applied again starts a new
--   chain from 32 zero bytes. Dropping cdc_heartbeat also takes it out of the CDC publication; the audit worker
--   adds it back when it starts after V4 is applied again.

drop table cdc_heartbeat;
drop table audit_chain_head;
-- also drops the triggers audit_log_append_only and audit_log_no_truncate, the index audit_log_row_idx and the
-- privileges V4 revoked; drop table is neither an update, a delete nor a truncate, so the triggers do not refuse it
drop table audit_log;
drop function audit_log_refuse_change();
