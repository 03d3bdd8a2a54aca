-- Undoes V5__jobs.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"), never by
-- Flyway; in one transaction, together with the removal of V5's row from flyway_schema_history.
--
-- Loses: every job, attempt, job history entry and escrow saga command (jobs, job_attempts, job_history,
--   job_saga_commands), and the job-escrow account V5 created.
--   Refused (nothing is changed) while the job-escrow account has a transfer or a non-zero balance or pending
--   amount: the karma it holds or held belongs to the ledger's history, which no undo deletes. (Deleting the
--   account is what lets V5 insert it again.)

do $$
declare
    escrow constant uuid := '00000000-0000-0000-0000-00000000e5c0';
    used bigint;
begin
    select count(*) into used from transfers where debit_account_id = escrow or credit_account_id = escrow;
    if used > 0 or exists (select 1 from accounts
                           where id = escrow and (balance <> 0 or pending_debits <> 0 or pending_credits <> 0)) then
        raise exception 'undo of V5 refused: the job-escrow account % has % transfer(s) or a balance; the ledger''s history cannot be undone', escrow, used
            using errcode = 'object_not_in_prerequisite_state';
    end if;
end $$;

-- job_saga_commands and job_attempts reference jobs; job_history has no foreign key
drop table job_saga_commands;
drop table job_history;
drop table job_attempts;
drop table jobs;

delete from accounts where id = '00000000-0000-0000-0000-00000000e5c0';
