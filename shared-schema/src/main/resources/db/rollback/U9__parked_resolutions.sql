-- Undoes V9__parked_resolutions.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V9's row from flyway_schema_history.
-- Stop the ledger workers of V9's release first (they park commands); ingest and job-worker may keep running.
--
-- Loses: every parked post and void (parked_resolutions). Their inbox rows, DEFERRED, become REJECTED
--   PENDING_NOT_FOUND, as if their deadline had passed, but no CommandRejected event is published for them.
--   (V9's own rollback note.)
-- Restores V1's outcome check exactly: validated, which reads the whole inbox under the table's lock.

-- the table lock first, so that no DEFERRED row can be written between the update and the new check
alter table processed_commands drop constraint processed_commands_outcome_check;

update processed_commands
    set outcome = 'REJECTED', reason = 'PENDING_NOT_FOUND',
        detail = 'no pending transfer: parked while it waited for its reservation, and rejected by the undo of V9'
    where outcome = 'DEFERRED';

-- also drops its identity sequence and both indexes
drop table parked_resolutions;

alter table processed_commands add constraint processed_commands_outcome_check
    check (outcome in ('APPLIED', 'REJECTED'));
