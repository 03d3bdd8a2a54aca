-- Undoes V12__escrow_resolutions.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V12's row from flyway_schema_history.
-- Stop the job workers of V12's release first.
--
-- Refused while a resolution's ledger command is unresolved: the previous job worker could not read its step, and
-- the escrow would wait for it for ever. Settle it first (it resolves within the saga's resend window).
-- Loses: the rows of resolved resolution commands (bookkeeping: the job's history and the audit log keep what
--   they did).
-- Restores V5's step check and its one-command-per-step unique constraint.

do $$
begin
    if exists (select 1 from job_saga_commands where step like 'RESOLVE\_%' and resolved_at is null) then
        raise exception 'undo of V12 refused: an escrow resolution command is still unresolved (job_saga_commands step RESOLVE_*, resolved_at null); let it resolve first';
    end if;
end $$;

delete from job_saga_commands where step like 'RESOLVE\_%';
drop index job_saga_commands_job_idx;
drop index jobs_escrow_stuck_idx;
alter table job_saga_commands add constraint job_saga_commands_job_id_step_key unique (job_id, step);
alter table job_saga_commands drop constraint job_saga_commands_step_check;
alter table job_saga_commands add constraint job_saga_commands_step_check
    check (step in ('RESERVE', 'POST', 'PAY', 'REFUND'));
