-- Undoes V2__cdc_offsets.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"), never by
-- Flyway; in one transaction, together with the removal of V2's row from flyway_schema_history.
--
-- Loses: the audit worker's CDC position (cdc_offsets). Its next start snapshots the audited tables again, as
--   V2's own rollback note says.

drop table cdc_offsets;
