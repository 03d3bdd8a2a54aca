-- Undoes V7__authorization_and_immutability.sql. Run by org.agentplatform.schema.migration.Rollback (README
-- "Migrations"), never by Flyway; in one transaction, together with the removal of V7's row from
-- flyway_schema_history.
--
-- Loses: who issued each handled command (processed_commands.actor), who controls each reservation
--   (transfers.controller) and the published-command register (command_issuers: GET /commands/{id} of a command
--   still in flight answers 404). V7 applied again backfills controller only for the reservations then open, by
--   V7's rule (claim stakes, escrow holds, else the debited agent): a reservation made with another controller
--   gets that guess, resolved ones keep none; actor stays empty for the commands handled before.
--   The database no longer refuses updates and deletes of transfers, claim_votes, claim_status_history and
--   job_history until V7 is applied again.
-- V7's backfill of transfers.controller needs no undo of its own: the column goes.

drop trigger transfers_immutable on transfers;
drop trigger claim_votes_immutable on claim_votes;
drop trigger claim_status_history_immutable on claim_status_history;
drop trigger job_history_immutable on job_history;
drop trigger transfers_no_truncate on transfers;
drop trigger claim_votes_no_truncate on claim_votes;
drop trigger claim_status_history_no_truncate on claim_status_history;
drop trigger job_history_no_truncate on job_history;
drop function refuse_change_of_history();

-- also drops the index command_issuers_issued_idx
drop table command_issuers;

alter table transfers
    drop constraint transfers_pending_controlled,
    drop constraint transfers_controller_length,
    drop column controller;

alter table processed_commands
    drop constraint processed_commands_actor_length,
    drop column actor;
