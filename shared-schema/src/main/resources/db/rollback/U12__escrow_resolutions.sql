-- Undoes V12__escrow_resolutions.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V12's row from flyway_schema_history.
-- Stop the job workers of V12's release first.
--
-- Refused while any escrow a resolution acted on is not settled (PAID, REFUNDED or REJECTED), or any of its
-- commands has no final outcome in the ledger: the rows of resolution commands are the job worker's record of
-- where such a price went (a command given up on may still be applied by a replayed dead letter), and without
-- them a later resolution could move it twice. Settle those escrows first.
-- Loses: the rows of the resolution commands of settled escrows (the job's history and the audit log keep what
--   they did), and the generation of commands sent again (RETRY).
-- Restores V5's step check and its one-command-per-step unique constraint.

do $$
begin
    if exists (select 1 from job_saga_commands s join jobs j on j.id = s.job_id
               left join processed_commands p on p.command_id = s.id
               where s.step like 'RESOLVE\_%'
                 and (s.resolved_at is null or j.escrow_status not in ('PAID', 'REFUNDED', 'REJECTED')
                      or p.outcome is null or p.outcome not in ('APPLIED', 'REJECTED'))) then
        raise exception 'undo of V12 refused: an escrow resolution is not settled (a job_saga_commands RESOLVE_* row of an escrow that is not PAID, REFUNDED or REJECTED, or without a final outcome); settle it first';
    end if;
end $$;

delete from job_saga_commands where step like 'RESOLVE\_%';
drop index jobs_escrow_stuck_idx;
drop index job_saga_commands_job_idx;
alter table job_saga_commands drop column generation;
alter table job_saga_commands add constraint job_saga_commands_job_id_step_key unique (job_id, step);
alter table job_saga_commands drop constraint job_saga_commands_step_check;
alter table job_saga_commands add constraint job_saga_commands_step_check
    check (step in ('RESERVE', 'POST', 'PAY', 'REFUND'));
