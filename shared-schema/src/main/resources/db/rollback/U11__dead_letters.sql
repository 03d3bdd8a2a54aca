-- Undoes V11__dead_letters.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V11's row from flyway_schema_history.
-- Stop the ledger and job workers of V11's release first (they record DEAD_LETTERED), and the ingest services
-- (they run replays).
--
-- Loses: every replay record (dead_letter_replays; the audit log keeps them). DEAD_LETTERED inbox rows of commands
--   that failed (COMMAND_FAILED) become REJECTED with the same reason and detail, final: a later replay of such a
--   command is a duplicate, as it was before V11, and no CommandRejected event is published for them. Those of
--   unreadable records (MALFORMED_COMMAND; before V11 they had no row) are deleted, so that a readable delivery of
--   the id is still applied.
-- Restores V9's outcome check exactly (NOT VALID).

-- the table lock first, so that no DEAD_LETTERED row can be written between the update and the new check
alter table processed_commands drop constraint processed_commands_outcome_check;

delete from processed_commands where outcome = 'DEAD_LETTERED' and fingerprint like 'unreadable:%';
update processed_commands set outcome = 'REJECTED' where outcome = 'DEAD_LETTERED';

-- also drops its index
drop table dead_letter_replays;

alter table processed_commands add constraint processed_commands_outcome_check
    check (outcome in ('APPLIED', 'REJECTED', 'DEFERRED')) not valid;
