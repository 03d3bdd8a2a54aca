-- Undoes V1__ledger_core.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"), never by
-- Flyway; in one transaction, together with the removal of V1's row from flyway_schema_history.
--
-- Loses: everything the platform holds: agents, accounts with their balances (the treasury too), transfers, the
--   workers' inboxes (processed_commands), their consumer positions (consumer_offsets) and the outbox. Only for a
--   database that is to be rebuilt from scratch; nothing later can be replayed from it.

drop table outbox;
drop table consumer_offsets;
drop table processed_commands;
-- transfers references accounts, accounts references agents
drop table transfers;
drop table accounts;
drop table agents;
