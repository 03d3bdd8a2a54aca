-- Escrow resolutions: the admin settles a STUCK escrow (ResolveEscrow), and the job worker moves the price with
-- saga commands of new kinds, each with an id derived from the resolving command, so that a resolution refused by
-- the ledger can be followed by another one of the same kind for the same job: one row per command, not per step.
-- A RETRY sends a command that got no outcome again under its id; its generation counts those rounds, so that the
-- events of each round's outcome get ids of their own.
--
-- Deploy order: every job worker of this release, then ingest. A job worker of the release before cannot read
-- the new steps (its tracker fails on a RESOLVE_* row) nor ResolveEscrow (dead-lettered); only this release's
-- ingest sends ResolveEscrow, so neither exists until then. The check is NOT VALID (every old row satisfies it,
-- no scan), dropping a unique constraint drops its index, and a constant default is a catalog change. The two new
-- indexes are what the resolution (a job's commands) and the list of STUCK escrows read; each build scans its
-- table and blocks writes to it meanwhile: on a large deployment create them beforehand with CREATE INDEX
-- CONCURRENTLY under these names, and check they are valid, so that IF NOT EXISTS skips them.
--
-- Rollback: db/rollback/U12__escrow_resolutions.sql.

alter table job_saga_commands drop constraint job_saga_commands_step_check;
alter table job_saga_commands add constraint job_saga_commands_step_check
    check (step in ('RESERVE', 'POST', 'PAY', 'REFUND', 'RESOLVE_VOID', 'RESOLVE_RETURN', 'RESOLVE_POST', 'RESOLVE_PAY'))
    not valid;
alter table job_saga_commands drop constraint job_saga_commands_job_id_step_key;
alter table job_saga_commands add column generation int not null default 0;
create index if not exists job_saga_commands_job_idx on job_saga_commands (job_id, created_at);
-- what the admin's list of stuck work reads (few rows: a partial index)
create index if not exists jobs_escrow_stuck_idx on jobs (id) where escrow_status = 'STUCK';
