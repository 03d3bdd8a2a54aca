-- Authorization the database can see, and immutability it enforces.
--
-- Deploy with the ledger worker of the same release: new reservations must name their controller, which older
-- ledger workers do not write. Every statement is cheap on a large database: columns are added without a
-- default (no rewrite), constraints are NOT VALID (checked for new rows only, no scan), and the backfill
-- touches only the reservations still open.
--
-- Rollback:
--   drop trigger transfers_immutable on transfers; drop trigger claim_votes_immutable on claim_votes;
--   drop trigger claim_status_history_immutable on claim_status_history;
--   drop trigger job_history_immutable on job_history; drop trigger transfers_no_truncate on transfers;
--   drop trigger claim_votes_no_truncate on claim_votes;
--   drop trigger claim_status_history_no_truncate on claim_status_history;
--   drop trigger job_history_no_truncate on job_history; drop function refuse_change_of_history();
--   drop table command_issuers; alter table transfers drop column controller;
--   alter table processed_commands drop column actor;

-- Who issued each handled command (the envelope's actor): its outcome is visible to that issuer and the admin.
alter table processed_commands add column actor text;
alter table processed_commands add constraint processed_commands_actor_length
    check (length(actor) between 1 and 200) not valid;

-- Who may post or void a reservation: the issuer that made it. For claim stakes and escrow holds that is the
-- system, never the payer. Reservations made before this migration get the controller they had in effect:
-- the claim for stakes, the job worker for escrow holds, the debited agent for the rest.
alter table transfers add column controller text;
alter table transfers add constraint transfers_controller_length check (length(controller) between 1 and 200) not valid;
update transfers t set controller = case
        when t.kind = 'STAKE' then 'ledger-claims'
        when t.credit_account_id = '00000000-0000-0000-0000-00000000e5c0' then 'job-worker'
        else t.debit_account_id::text end
    where t.status = 'PENDING' and not exists (select 1 from transfers r where r.pending_id = t.id);
-- new reservations only: resolved ones from before keep no controller, nobody resolves them again
alter table transfers add constraint transfers_pending_controlled
    check (status <> 'PENDING' or controller is not null) not valid;

-- Commands ingest has published (written once the broker acknowledged them, before the client is answered):
-- GET /commands/{id} tells "pending" (for its issuer) from "no such command" (404). Purged with the
-- idempotency keys; by then the inbox holds the outcome and its issuer.
create table command_issuers (
    command_id    uuid primary key,
    issuer        text        not null check (length(issuer) between 1 and 200),
    issued_at     timestamptz not null
);
create index command_issuers_issued_idx on command_issuers (issued_at);

-- History is append-only: transfers (a resolution is a new row), votes and status histories. Like the
-- audit log's trigger this stops mistakes and careless tools; the audit chain detects what it does not stop.
create function refuse_change_of_history() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '0A000';
end $$;
create trigger transfers_immutable before update or delete on transfers
    for each row execute function refuse_change_of_history();
create trigger claim_votes_immutable before update or delete on claim_votes
    for each row execute function refuse_change_of_history();
create trigger claim_status_history_immutable before update or delete on claim_status_history
    for each row execute function refuse_change_of_history();
create trigger job_history_immutable before update or delete on job_history
    for each row execute function refuse_change_of_history();
create trigger transfers_no_truncate before truncate on transfers
    for each statement execute function refuse_change_of_history();
create trigger claim_votes_no_truncate before truncate on claim_votes
    for each statement execute function refuse_change_of_history();
create trigger claim_status_history_no_truncate before truncate on claim_status_history
    for each statement execute function refuse_change_of_history();
create trigger job_history_no_truncate before truncate on job_history
    for each statement execute function refuse_change_of_history();
