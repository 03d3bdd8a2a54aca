-- Undoes V10__transfer_memo.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V10's row from flyway_schema_history.
-- Stop the producers that send memos first (a version-2 transfer is then refused by the V9 workers as
-- "unsupported schemaVersion"), then the ledger workers of V10's release.
--
-- Loses: every transfer's memo (the audit log keeps them, in the after image of each transfer's INSERT).

-- drops transfers_memo_check with it
alter table transfers drop column memo;
