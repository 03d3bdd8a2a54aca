-- Undoes V13__reputation.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V13's row from flyway_schema_history.
-- Stop this release's ingest first (its reputation endpoints read the tables); the workers of either release can
-- keep running.
-- Loses: the reputation projection only (reputation_inputs, reputations); V13 derives it again from the recorded
--   history when it is applied again.

drop trigger reputation_payouts on transfers;
drop trigger reputation_jobs on jobs;
drop trigger reputation_attempts on job_attempts;
drop trigger reputation_claims on claim_status_history;
drop function reputation_on_payout();
drop function reputation_on_job_status();
drop function reputation_on_job_ended();
drop function reputation_on_claim_settled();
drop function reputation_rebuild();
drop function reputation_record(uuid[], uuid[], uuid[]);
drop function reputation_earned_inputs(uuid[]);
drop function reputation_job_inputs(uuid[]);
drop function reputation_claim_inputs(uuid[]);
drop function reputation_score(numeric, timestamptz);
drop function reputation_weight(numeric, timestamptz);
drop index job_attempts_executor_idx;
drop index claims_subject_idx;
drop index claim_votes_voter_idx;
drop table reputations;
drop table reputation_inputs;
